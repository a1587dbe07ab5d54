"""Word templates (.docx) of every document sopbot produces, shipped as package data."""

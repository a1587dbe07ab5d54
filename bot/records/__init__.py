"""Official records: the agenda register, the signing of the agreement, records packages.

`Register` numbers every outgoing naskah when it is issued; `Records` keeps the records a
finished case leaves (the lembar persetujuan, the signed agreement's number) and builds the
SRIKANDI registration package and the case archive.
"""

"""Uploads are judged by their content: real files are built here, never mocked."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from io import BytesIO

import docx
import pytest

from bot.errors import UploadRejected
from bot.texts import t
from bot.uploads import (
    DOCX_MEDIA_TYPE,
    MB,
    UploadPolicy,
    check_declared_size,
    inspect_upload,
)
from bot.uploads_zip import MAX_MEMBERS

POLICY = UploadPolicy.from_settings("docx,pdf", 20)
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


# --- building real files ---------------------------------------------------------------------


def docx_bytes(text: str = "Perjanjian Kerja Sama Nomor 12/2026") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(
    data: bytes,
    replace: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
    level: int = 6,
) -> bytes:
    """A copy of a zip with members replaced, added (`replace` with a new name) or dropped."""
    replace = dict(replace or {})
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for info in source.infolist():
            if info.filename not in drop:
                target.writestr(info.filename, replace.pop(info.filename, source.read(info)))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def content_types(data: bytes) -> str:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.read("[Content_Types].xml").decode()


def docm_bytes() -> bytes:
    plain = docx_bytes()
    types = content_types(plain).replace(WORD_MAIN, DOCM_MAIN)
    types = types.replace(
        "<Default ",
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
        1,
    )
    return rezip(
        plain,
        {
            "[Content_Types].xml": types.encode(),
            "word/vbaProject.bin": ole_bytes("VBA", "PROJECT"),
        },
    )


def pdf_bytes(trailer_extra: bytes = b"", extra_objects: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = (
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        *extra_objects,
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def encrypted_pdf_bytes() -> bytes:
    encryption = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (
        b"00" * 32,
        b"11" * 32,
    )
    return pdf_bytes(b" /Encrypt 4 0 R /ID [<ab><ab>]", (encryption,))


def ole_bytes(*streams: str) -> bytes:
    """An OLE compound file (the container of .doc and of password-protected .docx)."""
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHH", header, 0x1A, 3, 0xFFFE, 9)  # version 3, little-endian, 512 B
    struct.pack_into("<I", header, 0x30, 0)  # the directory starts in sector 0
    directory = bytearray()
    for kind, name in [(5, "Root Entry"), *((2, stream) for stream in streams)]:
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        directory += entry
    directory += bytes(-len(directory) % 512)
    return bytes(header + directory + os.urandom(1024))


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def forge_declared_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size rewritten in its local and central headers."""
    out = bytearray(data)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        local = archive.getinfo(member).header_offset
    central = out.rfind(member.encode()) - 46
    assert out[central : central + 4] == b"PK\x01\x02"
    struct.pack_into("<I", out, local + 22, size)
    struct.pack_into("<I", out, central + 24, size)
    return bytes(out)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A docx carrying 200 MB of zeros, written in 1 MB steps (under 1 MB compressed)."""
    out = BytesIO(docx_bytes())
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("word/media/image1.png", "w") as member,
    ):
        zeros = bytes(MB)
        for _ in range(200):
            member.write(zeros)
    return out.getvalue()


def rejection(data: bytes, filename: str, policy: UploadPolicy = POLICY) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(data, filename, policy)
    return caught.value


def text_of(error: UploadRejected) -> str:
    return t(error.text_key, **error.params)


# --- accepted files --------------------------------------------------------------------------


def test_a_docx_saved_by_word_tooling_is_accepted_as_docx():
    data = docx_bytes()

    upload = inspect_upload(data, "Rancangan PKS.docx", POLICY)

    assert (upload.kind, upload.media_type) == ("docx", DOCX_MEDIA_TYPE)
    assert upload.filename == "Rancangan PKS.docx"


def test_an_accepted_upload_carries_its_size_and_sha256():
    data = docx_bytes()

    upload = inspect_upload(data, "pks.docx", POLICY)

    assert upload.size == len(data)
    assert len(upload.sha256) == 64
    assert upload.sha256 == inspect_upload(data, "other.docx", POLICY).sha256


def test_a_hand_written_pdf_is_accepted_as_pdf():
    data = pdf_bytes()

    upload = inspect_upload(data, "Rancangan PKS.pdf", POLICY)

    assert (upload.kind, upload.media_type) == ("pdf", "application/pdf")


def test_a_docx_of_nearly_twenty_megabytes_is_accepted():
    image = os.urandom(20 * MB - 64 * 1024)  # random bytes: deflate cannot shrink them
    data = rezip(docx_bytes(), {"word/media/image1.png": image}, level=1)

    upload = inspect_upload(data, "lampiran.docx", POLICY)

    assert upload.kind == "docx"
    assert upload.size <= POLICY.max_bytes


# --- size ------------------------------------------------------------------------------------


def test_a_30_mb_file_is_refused_from_its_declared_size_before_download():
    declared = 30 * MB

    with pytest.raises(UploadRejected) as caught:
        check_declared_size(declared, POLICY)

    assert caught.value.text_key == "upload.too_large"
    assert "30 MB" in text_of(caught.value)
    assert "20 MB" in text_of(caught.value)


def test_an_unknown_declared_size_is_left_to_the_inspection():
    declared = None

    check_declared_size(declared, POLICY)


def test_a_file_one_byte_over_the_limit_is_refused_with_both_sizes():
    data = b"%PDF-" + bytes(POLICY.max_bytes - 4)

    error = rejection(data, "scan.pdf")

    assert error.text_key == "upload.too_large"
    assert "20,1 MB" in text_of(error)
    assert "melebihi batas 20 MB" in text_of(error)


def test_an_empty_file_is_refused():
    data = b""

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.empty"
    assert "kosong" in text_of(error)


# --- type ------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [png_bytes(), b"MZ\x90\x00" + bytes(1020)], ids=["png", "exe"])
def test_a_file_renamed_to_docx_is_refused_as_not_a_word_document(content):
    data = content

    error = rejection(data, "Rancangan PKS.docx")

    assert error.text_key == "upload.not_docx"
    assert "bukan dokumen Word" in text_of(error)
    assert ".docx atau .pdf" in text_of(error)


def test_a_spreadsheet_renamed_to_docx_is_refused_as_not_a_word_document():
    spreadsheet = docx_bytes()
    types = content_types(spreadsheet).replace(
        WORD_MAIN,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    )
    data = rezip(spreadsheet, {"[Content_Types].xml": types.encode()})

    error = rejection(data, "anggaran.docx")

    assert error.text_key == "upload.not_docx"


def test_a_png_under_its_own_name_is_refused_naming_the_allowed_types():
    data = png_bytes()

    error = rejection(data, "foto.png")

    assert error.text_key == "upload.type_not_allowed"
    assert "Mohon unggah berkas .docx atau .pdf" in text_of(error)


def test_a_valid_pdf_is_refused_when_only_docx_is_allowed():
    policy = UploadPolicy.from_settings("docx", 20)

    error = rejection(pdf_bytes(), "pks.pdf", policy)

    assert error.text_key == "upload.type_not_allowed"
    assert "Mohon unggah berkas .docx." in text_of(error)


def test_a_valid_docx_is_refused_when_only_pdf_is_allowed():
    policy = UploadPolicy.from_settings("pdf", 20)

    error = rejection(docx_bytes(), "pks.docx", policy)

    assert error.text_key == "upload.type_not_allowed"
    assert "Mohon unggah berkas .pdf." in text_of(error)


def test_a_legacy_word_doc_is_refused_asking_to_save_it_as_docx():
    data = ole_bytes("WordDocument", "1Table", "\x05SummaryInformation")

    error = rejection(data, "pks.doc")

    assert error.text_key == "upload.legacy_doc"
    assert "simpan sebagai .docx" in text_of(error)


# --- security --------------------------------------------------------------------------------


def test_a_docm_is_refused_for_security_even_when_named_docx():
    data = docm_bytes()

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.macro"
    assert "makro" in text_of(error)
    assert "demi keamanan" in text_of(error)


def test_a_vba_project_slipped_into_a_plain_docx_is_refused():
    data = rezip(docx_bytes(), {"word/vbaProject.bin": ole_bytes("VBA")})

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.macro"


def test_a_docx_with_an_activex_control_is_refused():
    plain = docx_bytes()
    types = content_types(plain).replace(
        "</Types>",
        '<Override PartName="/word/activeX/activeX1.xml"'
        ' ContentType="application/vnd.ms-office.activeX+xml"/></Types>',
    )
    data = rezip(
        plain,
        {"[Content_Types].xml": types.encode(), "word/activeX/activeX1.xml": b"<ax:ocx/>"},
    )

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.macro"
    assert "ActiveX" in text_of(error)


def test_a_password_protected_docx_is_refused_because_it_cannot_be_checked():
    data = ole_bytes("\x06DataSpaces", "EncryptionInfo", "EncryptedPackage")

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.encrypted"
    assert "kata sandi" in text_of(error)
    assert "tanpa kata sandi" in text_of(error)


def test_a_password_protected_pdf_is_refused_because_it_cannot_be_checked():
    data = encrypted_pdf_bytes()

    error = rejection(data, "pks.pdf")

    assert error.text_key == "upload.encrypted"
    assert "kata sandi" in text_of(error)


def test_a_docx_hiding_200_mb_of_zeros_is_refused_as_a_zip_bomb(zip_bomb):
    data = zip_bomb

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.archive_unsafe"
    assert "terlalu besar" in text_of(error)


def test_a_zip_directory_understating_a_member_is_caught_while_unpacking():
    zeros = rezip(docx_bytes(), {"word/media/image1.png": bytes(10 * MB)}, level=9)
    data = forge_declared_size(zeros, "word/media/image1.png", 1000)

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.archive_unsafe"


def test_a_docx_with_too_many_members_is_refused():
    parts = {f"word/media/part{number}.xml": b"<a/>" for number in range(MAX_MEMBERS)}
    data = rezip(docx_bytes(), parts, level=0)

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.archive_unsafe"
    assert "terlalu banyak" in text_of(error)


@pytest.mark.parametrize("member", ["../../etc/cron.d/evil", "word/../../evil.sh"])
def test_a_member_path_climbing_out_with_dot_dot_is_refused(member):
    data = rezip(docx_bytes(), {member: b"x"})

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.archive_unsafe"
    assert "jalur berkas" in text_of(error)


@pytest.mark.parametrize("member", ["/etc/cron.d/evil", "C:/Windows/evil.dll"])
def test_an_absolute_member_path_is_refused(member):
    data = rezip(docx_bytes(), {member: b"x"})

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.archive_unsafe"


def test_a_document_xml_declaring_entities_is_refused_before_expansion():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = rezip(docx_bytes(), {"word/document.xml": laughs})

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.docx_corrupt"


# --- corrupt files ---------------------------------------------------------------------------


def test_a_truncated_docx_is_refused_as_corrupt():
    whole = docx_bytes()
    data = whole[: len(whole) // 2]

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.docx_corrupt"
    assert "rusak" in text_of(error)
    assert "simpan ulang sebagai .docx" in text_of(error)


def test_a_docx_without_content_types_is_refused_as_corrupt():
    data = rezip(docx_bytes(), drop=("[Content_Types].xml",))

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.docx_corrupt"


def test_a_docx_without_its_main_document_is_refused_as_corrupt():
    data = rezip(docx_bytes(), drop=("word/document.xml",))

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.docx_corrupt"


def test_a_docx_with_unparsable_document_xml_is_refused_as_corrupt():
    data = rezip(docx_bytes(), {"word/document.xml": b"<w:document><w:body>"})

    error = rejection(data, "pks.docx")

    assert error.text_key == "upload.docx_corrupt"


def test_a_docx_with_a_damaged_member_is_refused_as_corrupt():
    whole = bytearray(docx_bytes())
    with zipfile.ZipFile(BytesIO(whole)) as archive:
        styles = archive.getinfo("word/styles.xml")
    middle = styles.header_offset + 30 + len(styles.filename) + styles.compress_size // 2
    whole[middle : middle + 16] = bytes(16)

    error = rejection(bytes(whole), "pks.docx")

    assert error.text_key == "upload.docx_corrupt"


def test_a_pdf_without_its_eof_marker_is_refused_as_corrupt():
    data = pdf_bytes().replace(b"%%EOF", b"")

    error = rejection(data, "pks.pdf")

    assert error.text_key == "upload.pdf_corrupt"
    assert "ekspor ulang" in text_of(error)


def test_a_file_named_pdf_not_starting_with_the_pdf_header_is_refused_as_corrupt():
    data = b"\r\n" + pdf_bytes()

    error = rejection(data, "pks.pdf")

    assert error.text_key == "upload.pdf_corrupt"


# --- file names ------------------------------------------------------------------------------


def test_path_parts_are_dropped_from_the_file_name():
    data = docx_bytes()

    upload = inspect_upload(data, "../../etc/passwd.docx", POLICY)

    assert upload.filename == "passwd.docx"


def test_windows_path_parts_are_dropped_from_the_file_name():
    data = docx_bytes()

    upload = inspect_upload(data, r"C:\Users\kabag\Documents\PKS.docx", POLICY)

    assert upload.filename == "PKS.docx"


def test_newlines_and_control_characters_in_a_name_become_single_spaces():
    data = docx_bytes()

    upload = inspect_upload(data, "Rancangan\nPKS\r\n\x00Dinas.docx", POLICY)

    assert upload.filename == "Rancangan PKS Dinas.docx"


def test_a_bidi_override_cannot_disguise_the_extension():
    data = docx_bytes()

    upload = inspect_upload(data, "surat\u202excod.exe", POLICY)

    assert upload.filename == "suratxcod.docx"


def test_a_300_character_name_is_cut_to_120_keeping_the_extension():
    data = docx_bytes()

    upload = inspect_upload(data, "a" * 300 + ".docx", POLICY)

    assert len(upload.filename) == 120
    assert upload.filename.endswith("a.docx")


def test_an_upper_case_pdf_extension_is_accepted_and_lowered():
    data = pdf_bytes()

    upload = inspect_upload(data, "SCAN.PDF", POLICY)

    assert (upload.kind, upload.filename) == ("pdf", "SCAN.pdf")


def test_a_docx_name_on_pdf_content_gets_the_pdf_extension():
    data = pdf_bytes()

    upload = inspect_upload(data, "Rancangan PKS.docx", POLICY)

    assert (upload.kind, upload.filename) == ("pdf", "Rancangan PKS.pdf")


def test_a_name_with_nothing_left_becomes_dokumen():
    data = pdf_bytes()

    upload = inspect_upload(data, "../..", POLICY)

    assert upload.filename == "dokumen.pdf"


# --- policy ----------------------------------------------------------------------------------


def test_the_policy_is_read_from_the_settings_values():
    policy = UploadPolicy.from_settings(" docx, .PDF ", 15)

    assert policy == UploadPolicy(allowed=frozenset({"docx", "pdf"}), max_bytes=15 * MB)


def test_a_limit_over_telegrams_20_mb_download_limit_is_a_configuration_error():
    with pytest.raises(ValueError, match="20 MB"):
        UploadPolicy.from_settings("docx,pdf", 21)


def test_an_unknown_upload_type_is_a_configuration_error():
    with pytest.raises(ValueError, match="xlsx"):
        UploadPolicy.from_settings("docx,xlsx", 20)


def test_a_photo_is_accepted_where_the_policy_takes_images():
    policy = UploadPolicy.from_settings("docx,pdf", 20).with_images()

    inspected = inspect_upload(png_bytes(), "disposisi.docx", policy)

    assert (inspected.kind, inspected.media_type, inspected.filename) == (
        "png",
        "image/png",
        "disposisi.png",
    )


def test_a_truncated_photo_is_refused_as_damaged():
    policy = UploadPolicy.from_settings("docx,pdf", 20).with_images()

    with pytest.raises(UploadRejected) as error:
        inspect_upload(png_bytes()[:-12], "foto.png", policy)

    assert error.value.text_key == "upload.image_corrupt"

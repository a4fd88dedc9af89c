#!/usr/bin/env python3
"""Builds the hostile corpus: workbooks an attacker, a broken disk or a confused clerk could hand
Sitebook. Standard library only. Each file's name starts with its class, so a failure report
says what kind of input broke a rule.

Usage: generate.py OUT_DIR   (prints how many files it wrote)

The three small, valid fixture workbooks of the core's tests are the seeds; most hostile files
are one of them with one part altered, so each file tests one thing.
"""

import io
import os
import random
import struct
import sys
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "crates", "sitebook-core", "tests", "fixtures")

MIB = 1024 * 1024


def seed(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()


def parts_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def deflated(name):
    """A zip entry for streaming writes, deflated (ZipInfo defaults to stored)."""
    info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def zipped(parts, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in parts:
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, compress_type=compression)
    return out.getvalue()


def replaced(data, part, edit):
    """The zip `data` with `part` replaced by `edit(old_bytes)`."""
    return zipped([(n, edit(b) if n == part else b) for n, b in parts_of(data)])


class Corpus:
    def __init__(self, out):
        self.out = out
        self.count = 0
        os.makedirs(out, exist_ok=True)

    def add(self, name, data):
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(data)
        self.count += 1

    def add_streamed(self, name, write):
        """A file written by `write(binary_file)`, for the ones too big to hold in memory."""
        with open(os.path.join(self.out, name), "wb") as f:
            write(f)
        self.count += 1


XLSX = seed("estimate.xlsx")
XLS = seed("estimate.xls")
ODS = seed("estimate.ods")
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"


def sheet_with(rows_xml, dimension=None):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


def header_rows():
    """The fixture's first eight rows (title, header, column numbers), kept so the sheet is
    still recognisably an estimate and the hostile part comes after it."""
    xml = dict(parts_of(XLSX))[SHEET].decode()
    start = xml.index("<sheetData>") + len("<sheetData>")
    end = xml.index('<row r="9"')
    return xml[start:end]


# --- zip bombs ------------------------------------------------------------------------------


def add_streamed_sheet(c, name, chunks):
    """The fixture .xlsx with its sheet replaced by `chunks` (bytes), streamed into the zip so
    that sheets of hundreds of megabytes are never held in memory."""

    def write(f):
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in parts_of(XLSX):
                if n != SHEET:
                    z.writestr(n, b)
            with z.open(deflated(SHEET), "w", force_zip64=True) as entry:
                for chunk in chunks:
                    entry.write(chunk)

    c.add_streamed(name, write)


def zip_bombs(c):
    zeros = b"\0" * MIB

    def deflate_bomb(size_mib, name):
        add_streamed_sheet(c, name, (zeros for _ in range(size_mib)))

    deflate_bomb(1024, "zipbomb-deflate-1gib-sheet.xlsx")
    deflate_bomb(300, "zipbomb-deflate-300mib-sheet.xlsx")

    # Many honest-looking entries that together pass the total.
    def many(f):
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in parts_of(XLSX):
                z.writestr(n, b)
            block = bytes(random.Random(1).getrandbits(8) for _ in range(64 * 1024)) * 16
            for i in range(240):
                z.writestr(f"xl/media/pad{i}.bin", block)

    c.add_streamed("zipbomb-many-entries-over-total.xlsx", many)
    # Ten thousand tiny entries.
    parts = parts_of(XLSX) + [(f"xl/printerSettings/p{i}.bin", b"x") for i in range(10_000)]
    c.add("zipbomb-ten-thousand-entries.xlsx", zipped(parts))
    # A zip inside the zip, itself a bomb, as the sheet part.
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(deflated("sheet1.xml"), "w", force_zip64=True) as entry:
            for _ in range(200):
                entry.write(zeros)
    c.add("zipbomb-nested-zip-as-sheet.xlsx", replaced(XLSX, SHEET, lambda _: inner.getvalue()))
    c.add("zipbomb-nested-zip-as-strings.xlsx", replaced(XLSX, STRINGS, lambda _: inner.getvalue()))
    # An .ods whose content.xml is a bomb.
    def ods_bomb(f):
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for n, b in parts_of(ODS):
                if n == "mimetype":
                    z.writestr(zipfile.ZipInfo(n), b, compress_type=zipfile.ZIP_STORED)
                elif n != "content.xml":
                    z.writestr(n, b)
            with z.open(deflated("content.xml"), "w", force_zip64=True) as entry:
                for _ in range(400):
                    entry.write(b" " * MIB)

    c.add_streamed("zipbomb-ods-content.ods", ods_bomb)
    # A declared size that lies (the central directory says 1 KB; the data inflates further).
    honest = zipped(parts_of(XLSX))
    c.add("zipbomb-lying-declared-size.xlsx", lie_about_size(honest, SHEET, 100))


def patch_headers(data, part, local_field, central_field, patch):
    """`data` with the 4-byte field at `local_field` of `part`'s local header and at
    `central_field` of its central-directory record replaced by `patch(old_value)`."""
    out = bytearray(data)
    name = part.encode()
    for signature, name_len_at, header_len, field in (
        (b"PK\x03\x04", 26, 30, local_field),
        (b"PK\x01\x02", 28, 46, central_field),
    ):
        at = 0
        while (at := out.find(signature, at)) >= 0:
            name_len = struct.unpack_from("<H", out, at + name_len_at)[0]
            if out[at + header_len : at + header_len + name_len] == name:
                old = struct.unpack_from("<I", out, at + field)[0]
                struct.pack_into("<I", out, at + field, patch(old))
            at += 4
    return bytes(out)


def lie_about_size(data, part, new_size):
    """`part`'s uncompressed size rewritten in both headers, the data left as it was."""
    return patch_headers(data, part, 22, 24, lambda _: new_size)


# --- ten million cells ----------------------------------------------------------------------


def many_cells(c):
    c.add(
        "cells-10m-declared-dimension.xlsx",
        replaced(XLSX, SHEET, lambda b: b.replace(b'<dimension ref="A1:H26"/>', b'<dimension ref="A1:XFD1048576"/>')),
    )
    c.add(
        "cells-declared-rows-past-limit.xlsx",
        replaced(XLSX, SHEET, lambda b: b.replace(b'<dimension ref="A1:H26"/>', b'<dimension ref="A1:H2000000"/>')),
    )

    def actual(count, name, cell):
        def chunks(per_row=1000):
            yield sheet_with(header_rows())[: -len(b"</sheetData></worksheet>")]
            for row in range(count // per_row):
                cells = "".join(cell(row * per_row + i) for i in range(per_row))
                yield f"<row>{cells}</row>".encode()
            yield b"</sheetData></worksheet>"

        add_streamed_sheet(c, name, chunks())

    actual(10_000_000, "cells-10m-actual-without-references.xlsx", lambda i: f"<c><v>{(i * 7919) % 100003}</v></c>")
    actual(6_000_000, "cells-6m-actual-empty-styled.xlsx", lambda i: '<c s="0"/>' if i % 3 else f"<c><v>{i % 97}</v></c>")
    # The same in .ods: a repeated row of real values, expanded by calamine.
    ods = dict(parts_of(ODS))
    content = ods["content.xml"].decode()
    at = content.index("</table:table>")
    bomb_row = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16"/>'
        "</table:table-row>"
    )
    c.add("cells-ods-repeated-rows-and-columns.ods", ods_zip(ods, content[:at] + bomb_row + content[at:]))
    wide = '<table:table-row><table:table-cell office:value-type="float" office:value="2" table:number-columns-repeated="16384"/></table:table-row>'
    c.add("cells-ods-repeated-columns.ods", ods_zip(ods, content[:at] + wide * 400 + content[at:]))
    many_rows = '<table:table-row table:number-rows-repeated="2000000"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    c.add("cells-ods-rows-past-limit.ods", ods_zip(ods, content[:at] + many_rows + content[at:]))


def ods_zip(parts, content):
    """The .ods `parts` with `content.xml` replaced by `content`."""
    return ods_parts_zip({**parts, "content.xml": content.encode()})


def ods_parts_zip(parts):
    """An .ods of `parts`, its mimetype stored first as the format asks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in parts.items():
            kind = zipfile.ZIP_STORED if n == "mimetype" else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(n, (2026, 1, 1, 0, 0, 0)), b, compress_type=kind)
    return buf.getvalue()


# --- billion laughs -------------------------------------------------------------------------


def laughs_doctype(root):
    entities = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = f"&lol{i - 1};" if i > 1 else "&lol;"
        entities.append(f'<!ENTITY lol{i} "{prev * 10}">')
    return f"<!DOCTYPE {root} [{''.join(entities)}]>"


def billion_laughs(c):
    def with_laughs(data, root):
        text = data.decode()
        decl_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        body = text[decl_end:]
        # The entity is used where text is read: inside the first element's text, or as an
        # attribute value, whichever the part has.
        body = body.replace("<v>0</v>", "<v>&lol9;</v>", 1).replace("<t>", "<t>&lol9;", 1)
        if "&lol9;" not in body:
            close = body.index(">", body.index("<" + root))
            body = body[: close + 1] + "&lol9;" + body[close + 1 :]
        return (text[:decl_end] + laughs_doctype(root) + body).encode()

    roots = {
        "[Content_Types].xml": "Types",
        "_rels/.rels": "Relationships",
        "xl/_rels/workbook.xml.rels": "Relationships",
        "xl/workbook.xml": "workbook",
        "xl/styles.xml": "styleSheet",
        SHEET: "worksheet",
        STRINGS: "sst",
        "docProps/core.xml": "cp:coreProperties",
    }
    for part, root in roots.items():
        label = part.replace("/", "-").replace("[", "").replace("]", "").replace(".xml", "").replace(".rels", "-rels")
        c.add(f"laughs-in-{label}.xlsx", replaced(XLSX, part, lambda b, r=root: with_laughs(b, r)))
    ods_roots = {
        "content.xml": "office:document-content",
        "styles.xml": "office:document-styles",
        "META-INF/manifest.xml": "manifest:manifest",
    }
    for part, root in ods_roots.items():
        label = part.replace("/", "-").replace(".xml", "")
        parts = dict(parts_of(ODS))
        parts[part] = with_laughs(parts[part], root)
        c.add(f"laughs-in-ods-{label}.ods", ods_parts_zip(parts))
    # An external entity pointing at a local file.
    xxe = '<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    c.add(
        "laughs-external-entity-in-strings.xlsx",
        replaced(XLSX, STRINGS, lambda b: b.replace(b"?>", b"?>" + xxe.encode(), 1).replace(b"<t>", b"<t>&xxe;", 1)),
    )


# --- deep nesting ---------------------------------------------------------------------------


def deep_nesting(c):
    depth = 200_000
    nested = "<x>" * depth + "</x>" * depth
    c.add("nesting-200k-in-sheet.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b"</worksheet>", nested.encode() + b"</worksheet>")))
    c.add("nesting-200k-in-string.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", b"<t>" + ("<r>" * depth).encode(), 1)))
    c.add("nesting-200k-in-cell.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b"<v>1</v>", ("<v>" + "<is>" * depth + "1" + "</is>" * depth + "</v>").encode(), 1)))
    ods = dict(parts_of(ODS))
    content = ods["content.xml"].decode()
    at = content.index("</table:table>")
    deep_tables = '<table:table-row><table:table-cell>' + '<table:table table:name="t"><table:table-row><table:table-cell>' * 20_000 + "</table:table-cell></table:table-row></table:table>" * 20_000 + "</table:table-cell></table:table-row>"
    c.add("nesting-20k-tables-in-ods.ods", ods_zip(ods, content[:at] + deep_tables + content[at:]))


# --- truncation -----------------------------------------------------------------------------


def truncation(c):
    for seed_name, data in (("xlsx", XLSX), ("xls", XLS), ("ods", ODS)):
        n = len(data)
        for label, cut in (
            ("4-bytes", 4),
            ("100-bytes", 100),
            ("512-bytes", 512),
            ("tenth", n // 10),
            ("quarter", n // 4),
            ("half", n // 2),
            ("three-quarters", 3 * n // 4),
            ("less-22-bytes", n - 22),
            ("less-1-byte", n - 1),
        ):
            c.add(f"truncated-{label}.{seed_name}", data[:cut])


# --- password protection --------------------------------------------------------------------


def cfb(streams):
    """A minimal compound file (version 3, 512-byte sectors) holding `streams`, each padded to
    at least 4096 bytes so no mini stream is needed."""
    names = list(streams)
    bodies = [streams[n] + b"\0" * max(0, 4096 - len(streams[n])) for n in names]
    sectors_of = [(len(b) + 511) // 512 for b in bodies]
    free, end, fat_mark = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_mark, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for count in sectors_of:
        start = len(fat)
        starts.append(start)
        fat.extend(range(start + 1, start + count))
        fat.append(end)
    assert len(fat) <= 128
    fat += [free] * (128 - len(fat))

    def entry(name, kind, child, right, start, size):
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<II", start, size)
            + b"\0" * 4
        )

    directory = entry("Root Entry", 5, 1, 0xFFFFFFFF, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else 0xFFFFFFFF
        directory += entry(name, 2, 0xFFFFFFFF, right, starts[i], len(streams[name]))
    directory = directory.ljust(512, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
    )
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + directory + b"".join(bodies)


def password_protected(c):
    encrypted = cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x5a" * 9000})
    c.add("password-agile-encrypted.xlsx", encrypted)
    c.add("password-agile-encrypted-named.xls", encrypted)
    c.add("password-agile-encrypted-named.ods", encrypted)
    # An .xls whose first record after BOF becomes FILEPASS (the BIFF password marker).
    c.add("password-filepass-record.xls", xls_with_first_record_as(0x002F))
    # An .ods whose manifest declares encrypted content.
    manifest = dict(parts_of(ODS))["META-INF/manifest.xml"].decode()
    locked = manifest.replace(
        'manifest:full-path="content.xml"',
        'manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry><manifest:file-entry manifest:media-type="" manifest:full-path="x"',
        1,
    )
    parts = dict(parts_of(ODS))
    parts["META-INF/manifest.xml"] = locked.encode()
    parts["content.xml"] = bytes(random.Random(2).getrandbits(8) for _ in range(4000))
    c.add("password-encrypted-content.ods", ods_parts_zip(parts))


# --- OLE internals (.xls) -------------------------------------------------------------------


class Ole:
    """Just enough of a compound file to find and damage its FAT and directory."""

    def __init__(self, data):
        self.data = bytearray(data)
        self.sector = 1 << struct.unpack_from("<H", data, 30)[0]
        self.dir_start = struct.unpack_from("<I", data, 48)[0]
        fat_count = struct.unpack_from("<I", data, 44)[0]
        self.fat_sectors = list(struct.unpack_from(f"<{min(fat_count, 109)}I", data, 76))

    def offset(self, sector):
        return (sector + 1) * self.sector

    def fat_slot(self, index):
        per = self.sector // 4
        return self.offset(self.fat_sectors[index // per]) + (index % per) * 4

    def fat(self, index):
        return struct.unpack_from("<I", self.data, self.fat_slot(index))[0]

    def set_fat(self, index, value):
        struct.pack_into("<I", self.data, self.fat_slot(index), value)

    def entry(self, name):
        """Offset of the directory entry called `name` (first directory sector only)."""
        base = self.offset(self.dir_start)
        for i in range(self.sector // 128):
            at = base + i * 128
            length = struct.unpack_from("<H", self.data, at + 64)[0]
            if self.data[at : at + max(0, length - 2)].decode("utf-16-le", "replace") == name:
                return at
        raise KeyError(name)

    def start_of(self, name):
        return struct.unpack_from("<I", self.data, self.entry(name) + 116)[0]


def xls_with_first_record_as(record_type):
    ole = Ole(XLS)
    start = ole.offset(ole.start_of("Workbook"))
    # BOF is the first record; the one after it keeps its length and gets the new type.
    bof_len = struct.unpack_from("<H", ole.data, start + 2)[0]
    struct.pack_into("<H", ole.data, start + 4 + bof_len, record_type)
    return bytes(ole.data)


def corrupt_ole(c):
    def variant(name, damage):
        ole = Ole(XLS)
        damage(ole)
        c.add(name, bytes(ole.data))

    def loop_on_itself(ole):
        s = ole.start_of("Workbook")
        ole.set_fat(s, s)

    def loop_back_later(ole):
        s = ole.start_of("Workbook")
        second = ole.fat(s)
        third = ole.fat(second)
        ole.set_fat(third, s)

    variant("ole-fat-self-loop.xls", loop_on_itself)
    variant("ole-fat-loop-back.xls", loop_back_later)
    variant("ole-fat-points-past-end.xls", lambda o: o.set_fat(o.start_of("Workbook"), 0x7FFFFFF0))
    variant("ole-directory-self-loop.xls", lambda o: o.set_fat(o.dir_start, o.dir_start))
    variant("ole-fat-sector-list-garbage.xls", lambda o: struct.pack_into("<I", o.data, 76, 0x7FFFFFF0))
    variant("ole-stream-size-huge.xls", lambda o: struct.pack_into("<I", o.data, o.entry("Workbook") + 120, 0x7FFFFFFF))
    variant("ole-sector-shift-huge.xls", lambda o: struct.pack_into("<H", o.data, 30, 30))
    variant("ole-directory-start-past-end.xls", lambda o: struct.pack_into("<I", o.data, 48, 0x00FFFFFF))
    variant("ole-fat-count-huge.xls", lambda o: struct.pack_into("<I", o.data, 44, 0x0FFFFFFF))

    def biff_length_overflow(ole):
        start = ole.offset(ole.start_of("Workbook"))
        bof_len = struct.unpack_from("<H", ole.data, start + 2)[0]
        struct.pack_into("<H", ole.data, start + 4 + bof_len + 2, 0xFFFF)

    variant("ole-biff-record-length-overflow.xls", biff_length_overflow)

    def biff_garbage(ole):
        start = ole.offset(ole.start_of("Workbook"))
        rng = random.Random(3)
        for i in range(600, 1400):
            ole.data[start + i] = rng.getrandbits(8)

    variant("ole-biff-garbage-inside-stream.xls", biff_garbage)
    c.add("ole-workbook-stream-missing.xls", cfb({"NotAWorkbook": b"\0" * 5000}))


# --- wrong types renamed --------------------------------------------------------------------


def wrong_types(c):
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    png = bytes.fromhex("89504E470D0A1A0A0000000D4948445200000001000000010806000000")
    c.add("renamed-pdf.xlsx", pdf)
    c.add("renamed-png.xls", png)
    c.add("renamed-csv.ods", b"Sl.No,Quantity,Item,Rate\n1,2,Pole,450\n")
    c.add("renamed-html.xls", b"<html><body><table><tr><td>Sl.No</td></tr></table></body></html>")
    c.add("renamed-xls-as.xlsx", XLS)
    c.add("renamed-xlsx-as.xls", XLSX)
    c.add("renamed-ods-as.xlsx", ODS)
    c.add("renamed-random-bytes.xlsx", bytes(random.Random(4).getrandbits(8) for _ in range(20_000)))
    c.add("renamed-empty.xlsx", b"")
    c.add("renamed-docx.xlsx", zipped([("[Content_Types].xml", b'<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'), ("word/document.xml", b"<w:document/>")]))
    c.add("renamed-elf.xlsx", b"\x7fELF" + b"\0" * 60)


# --- huge strings ---------------------------------------------------------------------------


def huge_strings(c):
    mb = "W" * MIB
    c.add("strings-1mb-shared-description.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", f"<t>{mb}".encode(), 16)))
    c.add("strings-1mb-inline.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b'<c r="D9" t="s"><v>15</v></c>', f'<c r="D9" t="inlineStr"><is><t>{mb}</t></is></c>'.encode(), 1)))
    c.add("strings-1mb-sheet-name.xlsx", replaced(XLSX, "xl/workbook.xml", lambda b: b.replace(b'name="Datas"', f'name="{mb}"'.encode(), 1)))
    content = dict(parts_of(ODS))["content.xml"].decode()
    at = content.index("<text:p>", content.index("<table:table-row")) + len("<text:p>")
    c.add("strings-1mb-in-ods-cell.ods", ods_zip(dict(parts_of(ODS)), content[:at] + mb + content[at:]))
    c.add("strings-40k-description.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", ("<t>" + "d" * 40_000).encode(), 16)))


# --- absurd positions -----------------------------------------------------------------------


def absurd_positions(c):
    for label, ref in (
        ("row-99999999", "A99999999"),
        ("row-zero", "A0"),
        ("column-past-xfd", "XFE9"),
        ("column-letters-long", "AAAAAAAAAAAAAAAAAAAAAAAAA9"),
        ("row-overflow-u32", "A4294967296"),
        ("reference-garbage", "9A"),
    ):
        c.add(f"position-{label}.xlsx", replaced(XLSX, SHEET, lambda b, r=ref: b.replace(b'<c r="A9">', f'<c r="{r}">'.encode(), 1)))
    c.add("position-row-attribute-huge.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b'<row r="9"', b'<row r="2000000000"', 1)))
    c.add("position-row-attribute-negative.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b'<row r="9"', b'<row r="-5"', 1)))


# --- duplicates -----------------------------------------------------------------------------


def duplicates(c):
    repeat = '<c r="B9"><v>99</v></c>' * 1000
    c.add("duplicate-cell-1000-times.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b'<c r="B9"><v>12.5</v></c>', repeat.encode(), 1)))
    c.add("duplicate-rows.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b'<row r="10"', b'<row r="9"', 1)))
    c.add("duplicate-sheet-names.xlsx", replaced(XLSX, "xl/workbook.xml", lambda b: b.replace(b'name="Datas"', b'name="Estimate"', 1)))
    parts = parts_of(XLSX)
    sheet = dict(parts)[SHEET]
    c.add("duplicate-zip-entry-for-sheet.xlsx", zipped(parts + [(SHEET, sheet.replace(b"12.5", b"99999"))]))
    c.add("duplicate-merge-regions.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b"</sheetData>", b"</sheetData><mergeCells>" + b'<mergeCell ref="A1:H1"/>' * 5000 + b"</mergeCells>", 1)))
    c.add("merge-over-whole-sheet.xlsx", replaced(XLSX, SHEET, lambda b: b.replace(b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>', 1)))


# --- path traversal -------------------------------------------------------------------------


def path_traversal(c):
    c.add("traversal-sheet-name-dotdot.xlsx", replaced(XLSX, "xl/workbook.xml", lambda b: b.replace(b'name="Estimate"', b'name="../../etc/passwd"', 1)))
    c.add("traversal-rels-target.xlsx", replaced(XLSX, "xl/_rels/workbook.xml.rels", lambda b: b.replace(b'Target="worksheets/sheet1.xml"', b'Target="../../../../etc/passwd"', 1)))
    c.add("traversal-rels-absolute.xlsx", replaced(XLSX, "xl/_rels/workbook.xml.rels", lambda b: b.replace(b'Target="worksheets/sheet1.xml"', b'Target="/etc/passwd"', 1)))
    parts = parts_of(XLSX) + [("../../evil.txt", b"x"), ("/abs/evil.txt", b"y"), ("xl\\..\\..\\win.txt", b"z")]
    c.add("traversal-zip-entry-names.xlsx", zipped(parts))
    ods_parts = dict(parts_of(ODS))
    content = ods_parts["content.xml"].decode()
    first = content.index('table:name="') + len('table:name="')
    name_end = content.index('"', first)
    c.add("traversal-ods-table-name.ods", ods_zip(ods_parts, content[:first] + "../../x" + content[name_end:]))


# --- numbers --------------------------------------------------------------------------------


def numbers(c):
    for label, quantity, rate in (
        ("quantity-7.9e27-rate-1e15", "7.9E+27", "1E+15"),
        ("quantity-1e308", "1E+308", "450"),
        ("quantity-negative-1e308", "-1E+308", "450"),
        ("quantity-denormal", "4.9E-324", "450"),
        ("quantity-nan-text", "NaN", "450"),
        ("quantity-infinity-text", "INF", "450"),
        ("rate-1e300", "12.5", "1E+300"),
        ("quantity-many-digits", "1" * 400, "450"),
    ):
        def edit(b, q=quantity, r=rate):
            return b.replace(b'<c r="B9"><v>12.5</v></c>', f'<c r="B9"><v>{q}</v></c>'.encode(), 1).replace(
                b'<c r="E9"><v>450</v></c>', f'<c r="E9"><v>{r}</v></c>'.encode(), 1
            )

        c.add(f"numbers-{label}.xlsx", replaced(XLSX, SHEET, edit))
    content = dict(parts_of(ODS))["content.xml"].decode()
    huge = content.replace('office:value="12.5"', 'office:value="1e308"', 1)
    c.add("numbers-ods-1e308.ods", ods_zip(dict(parts_of(ODS)), huge))


# --- control characters ---------------------------------------------------------------------


def control_characters(c):
    esc = "\x1b[2J\x1b[31mRED\x1b[0m"
    c.add("control-ansi-in-sheet-name.xlsx", replaced(XLSX, "xl/workbook.xml", lambda b: b.replace(b'name="Datas"', f'name="{esc}&#x7;"'.encode(), 1)))
    c.add("control-ansi-in-description.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", f"<t>{esc}".encode(), 16)))
    c.add("control-bidi-override-in-description.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", "<t>\u202egpj.exe".encode(), 16)))
    c.add("control-nul-reference-in-strings.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", b"<t>&#0;&#x1;&#x1f;", 4)))
    c.add("control-raw-bytes-in-strings.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", b"<t>\x01\x02\x1b", 4)))
    c.add("control-invalid-utf8-in-strings.xlsx", replaced(XLSX, STRINGS, lambda b: b.replace(b"<t>", b"<t>\xff\xfe\xc3", 4)))


# --- zip integrity --------------------------------------------------------------------------


def zip_integrity(c):
    # Flip the stored CRC of the sheet in the central directory and the local header.
    data = patch_headers(zipped(parts_of(XLSX)), SHEET, 14, 16, lambda crc: crc ^ 0xDEADBEEF)
    c.add("zip-wrong-crc-on-sheet.xlsx", data)
    # Damaged deflate data in the middle of the sheet.
    name = SHEET.encode()
    raw = bytearray(zipped(parts_of(XLSX)))
    at = raw.find(b"PK\x03\x04", raw.find(name) - 40)
    start = at + 30 + len(name) + 10
    for i in range(start, start + 40):
        raw[i] ^= 0x55
    c.add("zip-damaged-deflate-stream.xlsx", bytes(raw))
    c.add("zip-no-central-directory.xlsx", bytes(raw[: raw.rfind(b"PK\x01\x02")]))


def main():
    import warnings

    # Duplicate entry names are one of the hostile classes.
    warnings.filterwarnings("ignore", "Duplicate name")
    out = sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"
    random.seed(20261202)
    c = Corpus(out)
    for make in (
        zip_bombs,
        many_cells,
        billion_laughs,
        deep_nesting,
        truncation,
        password_protected,
        corrupt_ole,
        wrong_types,
        huge_strings,
        absurd_positions,
        duplicates,
        path_traversal,
        numbers,
        control_characters,
        zip_integrity,
    ):
        make(c)
    print(c.count)


if __name__ == "__main__":
    main()

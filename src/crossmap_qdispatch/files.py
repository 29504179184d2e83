"""Small, valid PNG, JPEG and PDF files built from bytes, for generated attachments.

Real formats (not random bytes under an image MIME type) so a destination that sniffs
or previews uploads sees what a technician's phone would have sent.
"""

from __future__ import annotations

import random
import struct
import zlib


def png(width: int, height: int, rng: random.Random, *, noisy: bool = False) -> bytes:
    """An RGB PNG; ``noisy`` pixels do not compress, giving a file of ~3·w·h bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    base = bytes(rng.randrange(256) for _ in range(3))
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None" for every scanline
        if noisy:
            rows += rng.randbytes(3 * width)
        else:
            shade = (y * 255 // max(1, height - 1)) & 0xFF
            rows += bytes((base[0], shade, base[2])) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", marker, len(payload) + 2) + payload


def jpeg(blocks_wide: int, blocks_high: int, comment: str) -> bytes:
    """A baseline greyscale JPEG of flat mid-grey 8x8 blocks.

    Both Huffman tables hold a single one-bit code (DC difference 0, AC end-of-block),
    so every block encodes as the two bits ``00``; that keeps the encoder a few lines
    while staying a file every decoder accepts. ``comment`` goes in a COM segment.
    """
    width, height = 8 * blocks_wide, 8 * blocks_high
    one_code = bytes([1] + [0] * 15) + b"\x00"
    bits = 2 * blocks_wide * blocks_high
    scan = bytearray(b"\x00" * (bits // 8))
    if bits % 8:
        # Pad the final byte with 1 bits, as the standard requires.
        scan.append(0xFF >> (bits % 8))
        if scan[-1] == 0xFF:
            scan.append(0x00)
    return b"".join(
        [
            b"\xff\xd8",
            _segment(0xFFE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xFFFE, comment.encode("utf-8")[:60000]),
            _segment(0xFFDB, b"\x00" + b"\x01" * 64),
            _segment(0xFFC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
            _segment(0xFFC4, b"\x00" + one_code),
            _segment(0xFFC4, b"\x10" + one_code),
            _segment(0xFFDA, b"\x01\x01\x00\x00\x3f\x00"),
            bytes(scan),
            b"\xff\xd9",
        ]
    )


def _pdf_text(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica, with a correct xref table."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "50 760 Td"]
    for line in lines:
        ops.append(f"({_pdf_text(line)}) Tj T*")
    ops.append("ET")
    content = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

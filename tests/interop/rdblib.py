"""rdblib.py -- write RDB files and DUMP payloads by hand, for the RDB tests.

Redis 7.0 no longer writes the encodings of older files (ziplists, zipmaps,
linked lists, text scores), yet it still reads them and so must castor. The
builders here produce them byte for byte as Redis 2.x-6.x did (see Redis's
ziplist.c, zipmap.c and rdb.c), so a test can hand the same bytes to both
servers. Also the CRC-64 that seals payloads and files.
"""

import re
import struct

# ---- CRC-64 (Jones polynomial, reflected), as Redis's crc64.c -------------

_POLY = 0x95AC9329AC4BC9B5
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc64(data, crc=0):
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA

# ---- RDB primitives ---------------------------------------------------------

TYPE_STRING, TYPE_LIST, TYPE_SET, TYPE_ZSET, TYPE_HASH, TYPE_ZSET_2 = 0, 1, 2, 3, 4, 5
TYPE_MODULE_2 = 7
TYPE_HASH_ZIPMAP, TYPE_LIST_ZIPLIST, TYPE_SET_INTSET = 9, 10, 11
TYPE_ZSET_ZIPLIST, TYPE_HASH_ZIPLIST, TYPE_LIST_QUICKLIST = 12, 13, 14
TYPE_STREAM, TYPE_HASH_LISTPACK, TYPE_ZSET_LISTPACK, TYPE_LIST_QUICKLIST_2 = 15, 16, 17, 18
OP_FUNCTION2, OP_MODULE_AUX, OP_IDLE, OP_FREQ, OP_AUX = 245, 247, 248, 249, 250
OP_RESIZEDB, OP_EXPIRETIME_MS, OP_EXPIRETIME, OP_SELECTDB, OP_EOF = 251, 252, 253, 254, 255


def length(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n <= 0xFFFFFFFF:
        return b"\x80" + struct.pack(">I", n)
    return b"\x81" + struct.pack(">Q", n)


def string(s):
    if isinstance(s, str):
        s = s.encode()
    return length(len(s)) + s


def int_string(v):
    """A string saved with an integer encoding (8, 16 or 32 bits)."""
    if -128 <= v <= 127:
        return b"\xc0" + struct.pack("<b", v)
    if -32768 <= v <= 32767:
        return b"\xc1" + struct.pack("<h", v)
    return b"\xc2" + struct.pack("<i", v)


def text_double(d):
    """RDB_TYPE_ZSET's score: a length byte and "%.17g" text."""
    if d != d:
        return b"\xfd"
    if d == float("inf"):
        return b"\xfe"
    if d == float("-inf"):
        return b"\xff"
    t = repr(float(d)).encode() if d != int(d) else str(int(d)).encode()
    return bytes([len(t)]) + t


def payload(rdb_type, body, version=9):
    """A DUMP payload: type, value, version (2 bytes LE), CRC-64 (8 bytes LE)."""
    data = bytes([rdb_type]) + body + struct.pack("<H", version)
    return data + struct.pack("<Q", crc64(data))


def rdb_file(body, version=9, checksum=True):
    """A whole file: header, body (opcodes and keys), EOF, checksum."""
    data = b"REDIS%04d" % version + body + bytes([OP_EOF])
    if version >= 5:
        data += struct.pack("<Q", crc64(data) if checksum else 0)
    return data


def aux(k, v):
    return bytes([OP_AUX]) + string(k) + string(v)


def key_value(rdb_type, key, body, expire_ms=None, expire_s=None):
    out = b""
    if expire_ms is not None:
        out += bytes([OP_EXPIRETIME_MS]) + struct.pack("<q", expire_ms)
    if expire_s is not None:
        out += bytes([OP_EXPIRETIME]) + struct.pack("<i", expire_s)
    return out + bytes([rdb_type]) + string(key) + body


# ---- Ziplists, zipmaps, intsets --------------------------------------------

def _canonical_int(v):
    """The integer a ziplist would store v as (string2ll on up to 32 chars), or None."""
    if isinstance(v, int):
        return v
    s = v if isinstance(v, bytes) else v.encode()
    if not 0 < len(s) <= 32 or not re.fullmatch(rb"-?(0|[1-9][0-9]*)", s) or s == b"-0":
        return None
    n = int(s)
    return n if -(1 << 63) <= n < (1 << 63) else None


def _zl_payload(v):
    """Encoding and data of one ziplist element, as zipTryEncoding picks."""
    n = _canonical_int(v)
    if n is not None:
        if 0 <= n <= 12:
            return bytes([0xF1 + n])
        if -128 <= n <= 127:
            return b"\xfe" + struct.pack("<b", n)
        if -32768 <= n <= 32767:
            return b"\xc0" + struct.pack("<h", n)
        if -(1 << 23) <= n < (1 << 23):
            return b"\xf0" + struct.pack("<i", n << 8)[1:]
        if -(1 << 31) <= n < (1 << 31):
            return b"\xd0" + struct.pack("<i", n)
        return b"\xe0" + struct.pack("<q", n)
    s = v.encode() if isinstance(v, str) else v
    if len(s) < 64:
        return bytes([len(s)]) + s
    if len(s) < 16384:
        return bytes([0x40 | (len(s) >> 8), len(s) & 0xFF]) + s
    return b"\x80" + struct.pack(">I", len(s)) + s


def ziplist(values):
    entries, prev, tail = b"", 0, 10
    for v in values:
        pl = bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        e = pl + _zl_payload(v)
        tail = 10 + len(entries)
        entries += e
        prev = len(e)
    total = 10 + len(entries) + 1
    count = len(values) if len(values) < 0xFFFF else 0xFFFF
    return struct.pack("<IIH", total, tail, count) + entries + b"\xff"


def zipmap(pairs):
    def zlen(n):
        return bytes([n]) if n < 254 else b"\xfe" + struct.pack("<I", n)
    out = bytes([len(pairs) if len(pairs) < 254 else 254])
    for f, v in pairs:
        f = f.encode() if isinstance(f, str) else f
        v = v.encode() if isinstance(v, str) else v
        out += zlen(len(f)) + f + zlen(len(v)) + b"\x00" + v
    return out + b"\xff"


def intset(values):
    values = sorted(set(values))
    width = 2
    for v in values:
        if not -(1 << 15) <= v < (1 << 15):
            width = max(width, 4)
        if not -(1 << 31) <= v < (1 << 31):
            width = 8
    fmt = {2: "<h", 4: "<i", 8: "<q"}[width]
    return struct.pack("<II", width, len(values)) + b"".join(struct.pack(fmt, v) for v in values)


def listpack(values):
    """A listpack of short strings (< 64 bytes) and small integers (0..127),
    in the encodings Redis's listpack.c uses for them."""
    entries = b""
    for v in values:
        if isinstance(v, int):
            assert 0 <= v <= 127
            e = bytes([v])
        else:
            v = v.encode() if isinstance(v, str) else v
            assert len(v) < 64
            e = bytes([0x80 | len(v)]) + v
        entries += e + bytes([len(e)])
    total = 6 + len(entries) + 1
    return struct.pack("<IH", total, len(values)) + entries + b"\xff"

/* crc64.c -- Redis's CRC-64 (Jones polynomial, reflected), slicing by 8.
 *
 * The table for one byte is the classic reflected CRC table; tables 1..7
 * give the CRC of a byte followed by 1..7 zero bytes, so eight input bytes
 * fold into the CRC with eight lookups and no data-dependent shifts. The
 * tables are built once, on first use, from the polynomial (no large
 * literal tables to get wrong). Little-endian and big-endian hosts both
 * work: words are assembled byte by byte.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "crc64.h"

#include <stdbool.h>

/* 0xad93d23594c935a9 with its bits reversed (the reflected algorithm). */
#define POLY_REFLECTED 0x95ac9329ac4bc9b5ULL

static uint64_t table[8][256];
static bool table_ready;

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        uint64_t crc = (uint64_t)n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ POLY_REFLECTED : crc >> 1;
        table[0][n] = crc;
    }
    for (int n = 0; n < 256; n++) {
        uint64_t crc = table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = table[0][crc & 0xff] ^ (crc >> 8);
            table[k][n] = crc;
        }
    }
    table_ready = true;
}

uint64_t crc64(uint64_t crc, const void *buf, size_t len) {
    if (!table_ready) build_tables();
    const unsigned char *p = buf;
    while (len >= 8) {
        uint64_t w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                     (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                     (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
        crc ^= w;
        crc = table[7][crc & 0xff] ^ table[6][(crc >> 8) & 0xff] ^
              table[5][(crc >> 16) & 0xff] ^ table[4][(crc >> 24) & 0xff] ^
              table[3][(crc >> 32) & 0xff] ^ table[2][(crc >> 40) & 0xff] ^
              table[1][(crc >> 48) & 0xff] ^ table[0][crc >> 56];
        p += 8;
        len -= 8;
    }
    while (len--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

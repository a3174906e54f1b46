/* crc16.c -- CRC16/XMODEM and the cluster key slot (see crc16.h).
 * The table is built once, at the first call, from the polynomial.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "crc16.h"

#include <stdbool.h>
#include <string.h>

static uint16_t table[256];
static bool table_ready;

static void build_table(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint16_t crc = (uint16_t)(i << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
        table[i] = crc;
    }
    table_ready = true;
}

uint16_t crc16(const char *p, size_t len) {
    if (!table_ready) build_table();
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++)
        crc = (uint16_t)((crc << 8) ^ table[((crc >> 8) ^ (uint8_t)p[i]) & 0xff]);
    return crc;
}

unsigned crc16_key_slot(const char *key, size_t len) {
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t start = (size_t)(open - key) + 1;
        const char *close = memchr(key + start, '}', len - start);
        /* "{}" (an empty tag) hashes the whole key, as in Redis. */
        if (close && close > key + start)
            return crc16(key + start, (size_t)(close - key) - start) & 16383;
    }
    return crc16(key, len) & 16383;
}

/* test_crc64.c -- Redis's CRC-64: check value, streaming, and agreement of
 * the sliced fast path with the bit-at-a-time definition. */
#include "crc64.h"

#include <stdint.h>
#include <string.h>

#include "unit.h"

/* The definition, one bit at a time (reflected Jones polynomial). */
static uint64_t crc64_bitwise(uint64_t crc, const unsigned char *p, size_t len) {
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    return crc;
}

static void test_check_value_of_123456789(void) {
    ASSERT(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
}

static void test_empty_input_keeps_crc(void) {
    ASSERT(crc64(0, "", 0) == 0);
    ASSERT(crc64(0x1234, "", 0) == 0x1234);
}

static void test_matches_bitwise_definition_on_text(void) {
    const char *li = "This is a test of the emergency broadcast system.";
    ASSERT(crc64(0, li, strlen(li)) == crc64_bitwise(0, (const unsigned char *)li, strlen(li)));
}

static void test_streaming_equals_one_shot(void) {
    unsigned char buf[1000];
    uint64_t seed = 88172645463325252ULL;
    for (size_t i = 0; i < sizeof(buf); i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        buf[i] = (unsigned char)seed;
    }
    uint64_t whole = crc64(0, buf, sizeof(buf));
    ASSERT(whole == crc64_bitwise(0, buf, sizeof(buf)));
    for (size_t cut = 0; cut <= sizeof(buf); cut += 37) {
        uint64_t c = crc64(0, buf, cut);
        c = crc64(c, buf + cut, sizeof(buf) - cut);
        ASSERT(c == whole);
    }
    /* Unaligned starts and odd lengths through the 8-byte path. */
    for (size_t off = 0; off < 9; off++)
        for (size_t len = 0; len < 40; len++)
            ASSERT(crc64(7, buf + off, len) == crc64_bitwise(7, buf + off, len));
}

/* Lengths around the 16- and 64-byte steps of the carry-less path, at
 * every alignment, continuing from a nonzero crc. */
static void test_folding_path_matches_definition(void) {
    unsigned char buf[600];
    for (size_t i = 0; i < sizeof(buf); i++) buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t off = 0; off < 16; off += 3)
        for (size_t len = 60; len < 400; len += 7)
            ASSERT(crc64(0x1234567890abcdefULL, buf + off, len) ==
                   crc64_bitwise(0x1234567890abcdefULL, buf + off, len));
}

int main(void) {
    RUN(test_check_value_of_123456789);
    RUN(test_empty_input_keeps_crc);
    RUN(test_matches_bitwise_definition_on_text);
    RUN(test_streaming_equals_one_shot);
    RUN(test_folding_path_matches_definition);
    return unit_report();
}

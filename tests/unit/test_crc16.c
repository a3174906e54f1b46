/* test_crc16.c -- CRC16/XMODEM and Redis Cluster's key slots with hash tags. */
#include "crc16.h"

#include <string.h>

#include "unit.h"

static unsigned slot(const char *k) { return crc16_key_slot(k, strlen(k)); }

static void test_check_value_of_123456789(void) {
    ASSERT(crc16("123456789", 9) == 0x31c3);
    ASSERT(crc16("", 0) == 0);
}

/* Slots Redis gives (CLUSTER KEYSLOT on redis-server 7.0). */
static void test_known_slots(void) {
    ASSERT(slot("foo") == 12182);
    ASSERT(slot("bar") == 5061);
    ASSERT(slot("somekey") == 11058);
    ASSERT(slot("foo{hash_tag}") == 2515);
    ASSERT(slot("") == 0);
}

static void test_hash_tags(void) {
    ASSERT(slot("{user1000}.following") == slot("{user1000}.followers"));
    ASSERT(slot("{user1000}.following") == slot("user1000"));
    /* Only the first '{' and the next '}' count; an empty tag hashes all. */
    ASSERT(slot("foo{}{bar}") == crc16_key_slot("foo{}{bar}", 10));
    ASSERT(slot("foo{}{bar}") != slot("bar"));
    ASSERT(slot("foo{{bar}}zap") == slot("{bar"));
    ASSERT(slot("foo{bar}{zap}") == slot("bar"));
    ASSERT(slot("a{b") == crc16("a{b", 3) % 16384);
    ASSERT(slot("x}y{z}") == slot("z"));
    /* Binary keys: a NUL inside the tag is part of it. */
    ASSERT(crc16_key_slot("{a\0b}c", 6) == (crc16("a\0b", 3) & 16383));
}

int main(void) {
    RUN(test_check_value_of_123456789);
    RUN(test_known_slots);
    RUN(test_hash_tags);
    return unit_report();
}

/* crc16.h -- Redis Cluster's key hash slots: CRC16 (XMODEM: polynomial
 * 0x1021, initial value 0, no reflection) of the key, or of its hash tag
 * (the bytes between the first '{' and the next '}' when there is at least
 * one), modulo 16384. Pure: no server state. */
#ifndef CASTOR_CRC16_H
#define CASTOR_CRC16_H

#include <stddef.h>
#include <stdint.h>

#define CRC16_SLOTS 16384

uint16_t crc16(const char *p, size_t len);
/* The cluster slot of a key (Redis's keyHashSlot). */
unsigned crc16_key_slot(const char *key, size_t len);

#endif

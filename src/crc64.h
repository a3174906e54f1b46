/* crc64.h -- Redis's CRC-64: the checksum of RDB files and DUMP payloads.
 *
 * The "Jones" polynomial 0xad93d23594c935a9, reflected input and output,
 * initial value 0, no final xor; crc64(0, "123456789", 9) is
 * 0xe9c6d914c4b8d9ca. Feed a stream in pieces by passing the previous
 * result back as 'crc'. Layer 1: no server state. */
#ifndef CASTOR_CRC64_H
#define CASTOR_CRC64_H

#include <stddef.h>
#include <stdint.h>

uint64_t crc64(uint64_t crc, const void *p, size_t len);

#endif

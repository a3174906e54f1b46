/* tls.h -- TLS over OpenSSL: the contexts the tls-* directives describe,
 * and one connection's handshake, reads and writes. The I/O functions
 * answer as recv(2)/send(2) do (-1 with errno EAGAIN when the socket
 * must be waited on, 0 at the peer's close), so callers treat a TLS
 * connection like a socket; conn.h picks one or the other. */
#ifndef CASTOR_TLS_H
#define CASTOR_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef struct tls_conn tls_conn;

/* What a handshake step needs next. */
#define TLS_DONE 0
#define TLS_WANT_READ 1
#define TLS_WANT_WRITE 2
#define TLS_FAILED -1

/* (Re)build the server and client contexts from cfg.tls_*, as Redis's
 * tlsConfigure: all or nothing, so a failure (reason logged) keeps the
 * contexts in use. 0 or -1. */
int tls_configure(void);
bool tls_is_configured(void);
/* A connection over an accepted (server) or connected (client) socket;
 * NULL if TLS is not configured or OpenSSL fails (logged). The accepted
 * side asks for a client certificate as tls-auth-clients says now. */
tls_conn *tls_new_accepted(int fd);
/* The same for a cluster bus link: the peer must always show a
 * certificate signed by our CA, as Redis asks of other nodes. */
tls_conn *tls_new_accepted_node(int fd);
tls_conn *tls_new_connected(int fd);
/* One step of the handshake: TLS_DONE, TLS_WANT_*, or TLS_FAILED with the
 * reason in tls_last_error(). */
int tls_handshake(tls_conn *t);
/* Reads take record after record while the socket has them and buf has
 * room, as one recv(2) takes what the socket holds. */
ssize_t tls_read(tls_conn *t, void *buf, size_t len);
/* Writes go on record after record until the socket is full. After
 * EAGAIN or a short write, retry from the first unsent byte with at least
 * the bytes offered before (a buffer that only grew). */
ssize_t tls_write(tls_conn *t, const void *buf, size_t len);
ssize_t tls_writev(tls_conn *t, const struct iovec *iov, int iovcnt);
/* sendfile(2) for TLS: up to 'count' bytes of file 'in' from *off,
 * encrypted; *off advances by what was sent. 0 at the file's end. */
ssize_t tls_send_file(tls_conn *t, int in, off_t *off, size_t count);
/* Bytes OpenSSL read from the socket and holds (decrypted or not yet,
 * read ahead): no event announces them, so a reader must come back for
 * them itself. A partial record counts too; reading it then answers EAGAIN. */
bool tls_has_pending(const tls_conn *t);
/* Records a read took asked OpenSSL to send something (the answer to a
 * TLS 1.3 KeyUpdate) and the socket refused it, with no write of ours
 * pending to carry it: once the socket is writable, call tls_flush() (or
 * read again, which sends it first). Reads never wait for it. */
bool tls_read_wants_write(const tls_conn *t);
/* Send what waits of our bytes: 0 when all went, else -1 (errno EAGAIN
 * while the socket is full). */
int tls_flush(tls_conn *t);
/* A write nobody retries (keepalives, lines into an empty socket): what
 * the socket refuses of its last record goes with the next read or write;
 * nothing is written while another write waits for its retry. */
void tls_write_detached(tls_conn *t, const void *buf, size_t len);
/* The last write answered EAGAIN because OpenSSL must read first (a
 * renegotiation): retry the write once the socket is readable. */
bool tls_write_wants_read(const tls_conn *t);
/* The reason of the last failure, in Redis's words ("(null)" when the
 * peer just went away during the handshake, as Redis prints it). */
const char *tls_last_error(const tls_conn *t);
/* Send close_notify if the session is up, then free (the fd stays). */
void tls_free(tls_conn *t);
/* The session goes on in another process (a forked Lua debugging
 * session's child): tls_free() then sends nothing on it. */
void tls_disown(tls_conn *t);

#endif

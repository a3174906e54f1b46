/* tls.c -- TLS over OpenSSL. Two contexts, built together from cfg.tls_*
 * by tls_configure() and swapped in only when both built (a bad file
 * leaves the old ones serving): the server's, for accepted connections,
 * and the client's, for our connections to a master (tls-client-cert-file
 * and friends, else the server's certificate). A connection is a socket
 * and an SSL object; the event loop drives its handshake with
 * tls_handshake() and knows nothing else of OpenSSL.
 *
 * Reads take what the socket has, record after record, until the caller's
 * room is full or the socket is empty, as one recv(2) would.
 * Writes go out record after record until the socket is full. OpenSSL
 * writes through our own BIO (out_write), which sends what the socket
 * takes and keeps the rest of a record in 'unsent', so OpenSSL never holds
 * a half-written record: a read may always answer what it must (a TLS 1.3
 * KeyUpdate) while replies wait for a full socket. The bytes of the record
 * in 'unsent' count as written only once it has gone: until then the
 * write answers EAGAIN and the caller retries from its first unsent byte
 * with at least those bytes (its buffer only grows); the retry skips them.
 * SPDX-License-Identifier: BSD-3-Clause */
#include "tls.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "mem.h"

#define TLS_GATHER (64 * 1024)
/* The most plaintext one record carries. */
#define TLS_RECORD (16 * 1024)
/* What reads may leave unsent for a peer that sends but never reads (a
 * KeyUpdate each): past it the connection fails rather than grow. */
#define TLS_UNSENT_MAX (1024 * 1024)

#define PROTO_TLSV1 (1 << 0)
#define PROTO_TLSV1_1 (1 << 1)
#define PROTO_TLSV1_2 (1 << 2)
#define PROTO_TLSV1_3 (1 << 3)

struct tls_conn {
    SSL *ssl;
    int fd;
    bool up;               /* handshake done */
    bool write_wants_read; /* the last SSL_write stopped for a readable socket */
    bool read_failed;      /* a read that had bytes met this failure: the next one answers it */
    int read_rc, read_errno;
    char *unsent;                  /* ciphertext the socket refused, in order */
    size_t unsent_off, unsent_len; /* unsent[unsent_off..unsent_len) waits */
    size_t unsent_cap;
    size_t pend_plain; /* plaintext bytes of the record whose tail is unsent */
    char err[256];
};

static SSL_CTX *server_ctx, *client_ctx;

/* tls-protocols: space-separated names, any case; -1 (logged) if one is
 * unknown. Unset means TLSv1.2 and TLSv1.3, as Redis. */
static int parse_protocols(const char *s) {
    if (s == NULL || s[0] == '\0') return PROTO_TLSV1_2 | PROTO_TLSV1_3;
    int protocols = 0;
    char *copy = mem_strdup(s), *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (!strcasecmp(w, "tlsv1")) protocols |= PROTO_TLSV1;
        else if (!strcasecmp(w, "tlsv1.1")) protocols |= PROTO_TLSV1_1;
        else if (!strcasecmp(w, "tlsv1.2")) protocols |= PROTO_TLSV1_2;
        else if (!strcasecmp(w, "tlsv1.3")) protocols |= PROTO_TLSV1_3;
        else {
            log_msg(LOG_WARNING, "Invalid tls-protocols specified. Use a combination of "
                                 "'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.");
            protocols = -1;
            break;
        }
    }
    mem_free(copy);
    return protocols;
}

/* The key file's passphrase, given to OpenSSL while the key loads. */
static int passphrase(char *buf, int size, int rwflag, void *u) {
    (void)rwflag;
    const char *pass = u;
    if (pass == NULL) return -1;
    size_t len = strlen(pass);
    if (len > (size_t)size) return -1;
    memcpy(buf, pass, len);
    return (int)len;
}

static const char *ssl_error_text(char *buf, size_t len) {
    ERR_error_string_n(ERR_get_error(), buf, len);
    return buf;
}

/* What both contexts share; NULL (reason logged) on failure. */
static SSL_CTX *new_ctx(int protocols, bool for_client) {
    const char *cert = for_client ? cfg.tls_client_cert_file : cfg.tls_cert_file;
    const char *key = for_client ? cfg.tls_client_key_file : cfg.tls_key_file;
    const char *pass = for_client ? cfg.tls_client_key_file_pass : cfg.tls_key_file_pass;
    char errbuf[256];
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    if (ctx == NULL) {
        log_msg(LOG_WARNING, "Failed to create TLS context: %s",
                ssl_error_text(errbuf, sizeof(errbuf)));
        return NULL;
    }
    long opts = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION;
#ifdef SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS
    opts |= SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS;
#endif
    if (!(protocols & PROTO_TLSV1)) opts |= SSL_OP_NO_TLSv1;
    if (!(protocols & PROTO_TLSV1_1)) opts |= SSL_OP_NO_TLSv1_1;
    if (!(protocols & PROTO_TLSV1_2)) opts |= SSL_OP_NO_TLSv1_2;
    if (!(protocols & PROTO_TLSV1_3)) opts |= SSL_OP_NO_TLSv1_3;
    SSL_CTX_set_options(ctx, opts);
    /* Partial writes: SSL_write returns after each record, so a write
     * stops at the first record whose tail the socket refused ('unsent'
     * holds at most that one record of replies). */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* One read(2) per record instead of two (header, then body): OpenSSL
     * reads what the socket has. Records it holds then wait for no event,
     * which tls_has_pending() reports and every reader drains. */
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_default_passwd_cb(ctx, passphrase);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)pass);
    bool ok = false;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0) {
        log_msg(LOG_WARNING, "Failed to load certificate: %s: %s", cert,
                ssl_error_text(errbuf, sizeof(errbuf)));
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0) {
        log_msg(LOG_WARNING, "Failed to load private key: %s: %s", key,
                ssl_error_text(errbuf, sizeof(errbuf)));
    } else if ((cfg.tls_ca_cert_file || cfg.tls_ca_cert_dir) &&
               SSL_CTX_load_verify_locations(ctx, cfg.tls_ca_cert_file, cfg.tls_ca_cert_dir) <= 0) {
        log_msg(LOG_WARNING, "Failed to configure CA certificate(s) file/directory: %s",
                ssl_error_text(errbuf, sizeof(errbuf)));
    } else if (cfg.tls_ciphers && !SSL_CTX_set_cipher_list(ctx, cfg.tls_ciphers)) {
        log_msg(LOG_WARNING, "Failed to configure ciphers: %s", cfg.tls_ciphers);
    } else if (cfg.tls_ciphersuites && !SSL_CTX_set_ciphersuites(ctx, cfg.tls_ciphersuites)) {
        log_msg(LOG_WARNING, "Failed to configure ciphersuites: %s", cfg.tls_ciphersuites);
    } else {
        ok = true;
    }
    /* The passphrase is read only while loading; cfg's string may go. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* tls-dh-params-file into ctx, else OpenSSL's automatic groups. */
static bool load_dh_params(SSL_CTX *ctx) {
    if (cfg.tls_dh_params_file == NULL) {
        SSL_CTX_set_dh_auto(ctx, 1);
        return true;
    }
    FILE *f = fopen(cfg.tls_dh_params_file, "r");
    if (f == NULL) {
        log_msg(LOG_WARNING, "Failed to load %s: %s", cfg.tls_dh_params_file, strerror(errno));
        return false;
    }
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
        &pkey, "PEM", NULL, "DH", OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS, NULL, NULL);
    bool ok = dctx != NULL && OSSL_DECODER_from_fp(dctx, f);
    if (dctx == NULL) log_msg(LOG_WARNING, "No decoder for DH params.");
    else if (!ok) log_msg(LOG_WARNING, "%s: failed to read DH params.", cfg.tls_dh_params_file);
    OSSL_DECODER_CTX_free(dctx);
    fclose(f);
    if (!ok) return false;
    if (SSL_CTX_set0_tmp_dh_pkey(ctx, pkey) <= 0) {
        char errbuf[256];
        log_msg(LOG_WARNING, "Failed to load DH params file: %s: %s", cfg.tls_dh_params_file,
                ssl_error_text(errbuf, sizeof(errbuf)));
        EVP_PKEY_free(pkey);
        return false;
    }
    return true;
}

int tls_configure(void) {
    static bool initialised;
    if (!initialised) {
        OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
        initialised = true;
    }
    if (cfg.tls_cert_file == NULL) {
        log_msg(LOG_WARNING, "No tls-cert-file configured!");
        return -1;
    }
    if (cfg.tls_key_file == NULL) {
        log_msg(LOG_WARNING, "No tls-key-file configured!");
        return -1;
    }
    if ((cfg.tls_auth_clients != TLS_CLIENT_AUTH_NO || cfg.tls_cluster || cfg.tls_replication) &&
        cfg.tls_ca_cert_file == NULL && cfg.tls_ca_cert_dir == NULL) {
        log_msg(LOG_WARNING,
                "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
                "tls-replication or tls-auth-clients are enabled!");
        return -1;
    }
    int protocols = parse_protocols(cfg.tls_protocols);
    if (protocols == -1) return -1;
    SSL_CTX *ctx = new_ctx(protocols, false), *cctx = NULL;
    if (ctx == NULL) return -1;
    if (cfg.tls_session_caching) {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, cfg.tls_session_cache_size);
        SSL_CTX_set_timeout(ctx, cfg.tls_session_cache_timeout);
        SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"redis", 5);
    } else {
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx, 0); /* no TLSv1.3 tickets either */
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    /* OpenSSL 3 refuses client renegotiation unless allowed; older ones
     * had this option for it. */
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
    SSL_CTX_set_options(ctx, SSL_OP_NO_CLIENT_RENEGOTIATION);
#endif
    SSL_CTX_set_options(ctx, SSL_OP_SINGLE_DH_USE);
    if (cfg.tls_prefer_server_ciphers) SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (!load_dh_params(ctx)) goto fail;
    if (cfg.tls_client_cert_file && cfg.tls_client_key_file &&
        (cctx = new_ctx(protocols, true)) == NULL)
        goto fail;
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    server_ctx = ctx;
    client_ctx = cctx;
    return 0;
fail:
    SSL_CTX_free(ctx);
    SSL_CTX_free(cctx);
    return -1;
}

bool tls_is_configured(void) { return server_ctx != NULL; }

/* ---- The write side's BIO ---- */

/* Keep p[0..len) after what waits already. */
static void keep_unsent(tls_conn *t, const char *p, size_t len) {
    if (t->unsent_off > 0 && t->unsent_len + len > t->unsent_cap) {
        memmove(t->unsent, t->unsent + t->unsent_off, t->unsent_len - t->unsent_off);
        t->unsent_len -= t->unsent_off;
        t->unsent_off = 0;
    }
    if (t->unsent_len + len > t->unsent_cap) {
        size_t cap =
            t->unsent_cap * 2 > t->unsent_len + len ? t->unsent_cap * 2 : t->unsent_len + len;
        t->unsent = mem_realloc(t->unsent, cap);
        t->unsent_cap = cap;
    }
    memcpy(t->unsent + t->unsent_len, p, len);
    t->unsent_len += len;
}

/* OpenSSL's every write: sent at once while nothing waits and the socket
 * takes it, else kept. Never a retry, so OpenSSL never holds a record. */
static int out_write(BIO *b, const char *data, int len) {
    tls_conn *t = BIO_get_data(b);
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0;
    size_t sent = 0;
    if (t->unsent_len == 0) {
        ssize_t n;
        do n = send(t->fd, data, (size_t)len, MSG_NOSIGNAL);
        while (n == -1 && errno == EINTR);
        if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) return -1; /* errno tells */
        sent = n > 0 ? (size_t)n : 0;
    }
    if (sent < (size_t)len) keep_unsent(t, data + sent, (size_t)len - sent);
    return len;
}

static long out_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)num;
    tls_conn *t = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH: return 1; /* flushed by the next read or write */
    case BIO_C_GET_FD:
        if (ptr) *(int *)ptr = t->fd;
        return t->fd;
    case BIO_CTRL_WPENDING: return (long)(t->unsent_len - t->unsent_off);
    default: return 0;
    }
}

static BIO_METHOD *out_method(void) {
    static BIO_METHOD *m;
    if (m == NULL) {
        m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "castor socket out");
        if (m == NULL) return NULL;
        BIO_meth_set_write(m, out_write);
        BIO_meth_set_ctrl(m, out_ctrl);
    }
    return m;
}

/* Send what waits in 'unsent'. 0 when it all went, else -1 with errno
 * (EAGAIN: the socket is full). */
int tls_flush(tls_conn *t) {
    if (t->unsent_len == 0) return 0;
    while (t->unsent_off < t->unsent_len) {
        ssize_t n =
            send(t->fd, t->unsent + t->unsent_off, t->unsent_len - t->unsent_off, MSG_NOSIGNAL);
        if (n == -1) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                snprintf(t->err, sizeof(t->err), "%s", strerror(errno));
            else errno = EAGAIN;
            return -1;
        }
        t->unsent_off += (size_t)n;
    }
    /* Idle connections hold nothing: the next full socket allocates again. */
    mem_free(t->unsent);
    t->unsent = NULL;
    t->unsent_off = t->unsent_len = t->unsent_cap = 0;
    return 0;
}

static tls_conn *new_conn(SSL_CTX *ctx, int fd) {
    if (ctx == NULL) return NULL;
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new_socket(fd, BIO_NOCLOSE);
    BIO_METHOD *m = out_method();
    BIO *out = m ? BIO_new(m) : NULL;
    if (ssl == NULL || in == NULL || out == NULL) {
        char errbuf[256];
        log_msg(LOG_WARNING, "Error creating a TLS connection: %s",
                ssl_error_text(errbuf, sizeof(errbuf)));
        BIO_free(in);
        BIO_free(out);
        SSL_free(ssl);
        return NULL;
    }
    tls_conn *t = mem_calloc(sizeof(tls_conn));
    t->ssl = ssl;
    t->fd = fd;
    BIO_set_data(out, t);
    BIO_set_init(out, 1);
    SSL_set_bio(ssl, in, out); /* ssl owns both */
    return t;
}

static tls_conn *new_accepted(int fd, int auth) {
    tls_conn *t = new_conn(server_ctx, fd);
    if (t == NULL) return NULL;
    int mode = auth == TLS_CLIENT_AUTH_NO ? SSL_VERIFY_NONE
               : auth == TLS_CLIENT_AUTH_OPTIONAL
                   ? SSL_VERIFY_PEER
                   : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_set_verify(t->ssl, mode, NULL);
    SSL_set_accept_state(t->ssl);
    return t;
}

tls_conn *tls_new_accepted(int fd) { return new_accepted(fd, cfg.tls_auth_clients); }

/* Cluster bus peers always show a certificate, whatever tls-auth-clients
 * says (Redis accepts the bus with TLS_CLIENT_AUTH_YES). */
tls_conn *tls_new_accepted_node(int fd) { return new_accepted(fd, TLS_CLIENT_AUTH_YES); }

tls_conn *tls_new_connected(int fd) {
    tls_conn *t = new_conn(client_ctx ? client_ctx : server_ctx, fd);
    if (t) SSL_set_connect_state(t->ssl);
    return t;
}

/* SSL_get_error() reads the thread's error queue, so it must hold nothing
 * older than the call it explains. ERR_clear_error() costs about 2,000
 * instructions even on an empty queue (OpenSSL 3 frees each slot's file
 * and function names), 15% of a small request over TLS: peek first. */
static inline void clear_errors(void) {
    if (ERR_peek_error() != 0) ERR_clear_error();
}

/* After a failed call: EAGAIN for the WANTs, 0 for an orderly close,
 * else the reason kept in t->err and -1. A write that must read first (a
 * renegotiation) is remembered: the caller waits for readability and
 * retries (tls_write_wants_read()). A read never waits to write: what it
 * must send goes to 'unsent'. */
static int failed(tls_conn *t, int ret, bool reading) {
    int e = SSL_get_error(t->ssl, ret);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        if (!reading) t->write_wants_read = true;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
    case SSL_ERROR_ZERO_RETURN: return 0;
    case SSL_ERROR_SYSCALL:
        if (errno == 0) {
            snprintf(t->err, sizeof(t->err), "(null)");
            return 0; /* the peer closed the socket */
        }
        snprintf(t->err, sizeof(t->err), "%s", strerror(errno));
        return -1;
    default:
        ssl_error_text(t->err, sizeof(t->err));
        errno = EIO;
        return -1;
    }
}

int tls_handshake(tls_conn *t) {
    /* Our flight must be gone before the peer can answer it. */
    if (tls_flush(t) == -1) {
        if (errno == EAGAIN) return TLS_WANT_WRITE;
        return TLS_FAILED;
    }
    if (t->up) return TLS_DONE;
    ERR_clear_error();
    errno = 0;
    int ret = SSL_do_handshake(t->ssl);
    if (ret == 1) {
        t->up = true;
        if (t->unsent_len > 0) return TLS_WANT_WRITE; /* done once that went */
        return TLS_DONE;
    }
    int e = SSL_get_error(t->ssl, ret);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (tls_flush(t) == -1) return errno == EAGAIN ? TLS_WANT_WRITE : TLS_FAILED;
        return e == SSL_ERROR_WANT_READ ? TLS_WANT_READ : TLS_WANT_WRITE;
    }
    if (e == SSL_ERROR_SYSCALL)
        snprintf(t->err, sizeof(t->err), "%s", errno ? strerror(errno) : "(null)");
    else ssl_error_text(t->err, sizeof(t->err));
    return TLS_FAILED;
}

/* ---- Reads ---- */

/* Record after record into buf, as recv(2) would take what the socket has:
 * until buf is full or OpenSSL would have to wait. A failure after some
 * bytes is answered by the next call (tls_has_pending() says to make it). */
ssize_t tls_read(tls_conn *t, void *buf, size_t len) {
    if (t->read_failed) {
        t->read_failed = false;
        errno = t->read_errno;
        return t->read_rc;
    }
    if (tls_flush(t) == -1 && errno != EAGAIN) return -1;
    size_t got = 0;
    ssize_t rc = 0;
    while (got < len) {
        clear_errors();
        errno = 0;
        size_t want = len - got < INT_MAX ? len - got : INT_MAX;
        int n = SSL_read(t->ssl, (char *)buf + got, (int)want);
        if (n <= 0) {
            rc = failed(t, n, true);
            if (got > 0 && !(rc == -1 && errno == EAGAIN)) {
                t->read_failed = true;
                t->read_rc = (int)rc;
                t->read_errno = errno;
            }
            break;
        }
        got += (size_t)n;
        /* A short record with nothing behind it: the peer paused, and the
         * socket is most likely empty; leave without a read(2) to hear so
         * (the socket's readability brings us back if it is not). */
        if ((size_t)n < TLS_RECORD && SSL_has_pending(t->ssl) != 1) break;
    }
    int saved = errno;
    /* A bulk upload under way (a whole record or more): ACK now. OpenSSL
     * drains the socket in reads of about one record, each of which opens
     * the window too little for Linux to ACK at once, and a peer whose
     * send buffer is full then waits out the delayed ACK (40 ms: a 1 MB
     * SET from redis-benchmark took 10 ms on average instead of 2). A
     * plain read drains the socket in one go and opens it wide. */
    if (got >= TLS_RECORD) {
        int one = 1;
        setsockopt(t->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
    }
    /* What the records asked us to send (a KeyUpdate's answer) goes now
     * if the socket takes it, else waits (tls_read_wants_write()). */
    if (t->unsent_len > 0) {
        if (tls_flush(t) == -1 && errno != EAGAIN) return got > 0 ? (ssize_t)got : -1;
        if (t->unsent_len - t->unsent_off > TLS_UNSENT_MAX) {
            snprintf(t->err, sizeof(t->err), "peer sends but does not read");
            errno = ENOBUFS;
            return -1;
        }
    }
    errno = saved;
    return got > 0 ? (ssize_t)got : rc;
}

/* ---- Writes ---- */

/* Before a write: send what waits, then skip the bytes of the record it
 * ended (the caller's first 'pend_plain' of len). Returns how many bytes
 * are already written, or -1 (EAGAIN while the socket is still full). */
static ssize_t begin_write(tls_conn *t, size_t len) {
    t->write_wants_read = false;
    if (tls_flush(t) == -1) return -1;
    size_t done = t->pend_plain;
    if (done > len) { /* the caller broke the retry rule */
        snprintf(t->err, sizeof(t->err), "bad write retry");
        errno = EIO;
        return -1;
    }
    t->pend_plain = 0;
    return (ssize_t)done;
}

/* SSL_write p[0..len) record by record until it all went or the socket is
 * full (*stop set). Returns the bytes written, or -1 if none (errno). A
 * record whose tail the socket refused is not counted (pend_plain). */
static ssize_t write_records(tls_conn *t, const char *p, size_t len, bool *stop) {
    size_t done = 0;
    while (done < len) {
        clear_errors();
        errno = 0;
        size_t want = len - done < INT_MAX ? len - done : INT_MAX;
        int n = SSL_write(t->ssl, p + done, (int)want);
        if (n <= 0) {
            *stop = true;
            if (failed(t, n, false) == 0) errno = EPIPE; /* a write to a closed peer fails */
            return done > 0 ? (ssize_t)done : -1;
        }
        if (t->unsent_len > 0) {
            t->pend_plain = (size_t)n;
            *stop = true;
            if (done > 0) return (ssize_t)done;
            errno = EAGAIN;
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

ssize_t tls_write(tls_conn *t, const void *buf, size_t len) {
    if (len == 0) return 0;
    ssize_t done = begin_write(t, len);
    if (done == -1 || (size_t)done == len) return done;
    bool stop = false;
    ssize_t n = write_records(t, (const char *)buf + done, len - (size_t)done, &stop);
    if (n == -1) return done > 0 ? done : -1;
    return done + n;
}

/* Gather small pieces from iov[*i] at *off into 'to' (at most TLS_GATHER):
 * a piece of a record or more is left for a write of its own, after the
 * gathered bytes are filled up to a whole record from it. */
static size_t gather_small(const struct iovec *iov, int iovcnt, int *i, size_t *off, char *to) {
    size_t used = 0;
    while (*i < iovcnt && used < TLS_GATHER) {
        size_t rem = iov[*i].iov_len - *off;
        size_t take = rem < TLS_GATHER - used ? rem : TLS_GATHER - used;
        if (rem >= TLS_RECORD) {
            size_t fill = (used + TLS_RECORD - 1) / TLS_RECORD * TLS_RECORD - used;
            if (fill < take) take = fill;
            if (take == 0) break;
        }
        memcpy(to + used, (const char *)iov[*i].iov_base + *off, take);
        used += take;
        *off += take;
        if (*off == iov[*i].iov_len) {
            (*i)++;
            *off = 0;
        }
    }
    return used;
}

ssize_t tls_writev(tls_conn *t, const struct iovec *iov, int iovcnt) {
    if (iovcnt == 1) return tls_write(t, iov[0].iov_base, iov[0].iov_len);
    static char gather[TLS_GATHER];
    size_t total = 0;
    for (int k = 0; k < iovcnt; k++) total += iov[k].iov_len;
    if (total == 0) return 0;
    ssize_t begun = begin_write(t, total);
    if (begun == -1) return -1;
    size_t done = (size_t)begun, skip = done, off = 0;
    int i = 0;
    while (i < iovcnt && skip >= iov[i].iov_len - off) skip -= iov[i++].iov_len;
    off = skip;
    while (i < iovcnt) {
        size_t rem = iov[i].iov_len - off;
        const char *p;
        size_t n;
        if (rem >= TLS_RECORD) { /* a big piece goes from where it is */
            p = (const char *)iov[i].iov_base + off;
            n = rem;
            i++;
            off = 0;
        } else {
            p = gather;
            n = gather_small(iov, iovcnt, &i, &off, gather);
            if (n == 0) continue; /* an empty piece was stepped over */
        }
        bool stop = false;
        ssize_t w = write_records(t, p, n, &stop);
        if (w == -1) return done > 0 ? (ssize_t)done : -1;
        done += (size_t)w;
        if (stop) break;
    }
    return (ssize_t)done;
}

ssize_t tls_send_file(tls_conn *t, int in, off_t *off, size_t count) {
    static char chunk[TLS_GATHER];
    /* A retry after EAGAIN reads the same bytes again, at least as many. */
    ssize_t n = pread(in, chunk, count < TLS_GATHER ? count : TLS_GATHER, *off);
    if (n <= 0) return n;
    ssize_t w = tls_write(t, chunk, (size_t)n);
    if (w > 0) *off += w;
    return w;
}

/* A write nobody retries (a keepalive newline, a line into an empty
 * socket). A record of it the socket refused waits in 'unsent' and goes
 * first with the next read or write, as written: with pend_plain left set
 * the next write, of other bytes, would skip as many of its own. While a
 * caller's record waits for that caller's retry, nothing is written (it
 * would land inside the other's retry). */
void tls_write_detached(tls_conn *t, const void *buf, size_t len) {
    if (len == 0 || t->pend_plain > 0) return;
    if (tls_flush(t) == -1 && errno != EAGAIN) return;
    bool stop = false;
    /* Records after the one the socket took in part are dropped, as what
     * send(2) refuses; that one's tail goes from 'unsent' as written. */
    write_records(t, buf, len, &stop);
    t->pend_plain = 0;
}

bool tls_has_pending(const tls_conn *t) { return t->read_failed || SSL_has_pending(t->ssl) == 1; }

/* Only what reads asked to send waits: a write's record would have the
 * caller retry the write on writability, which sends it too. */
bool tls_read_wants_write(const tls_conn *t) { return t->unsent_len > 0 && t->pend_plain == 0; }

bool tls_write_wants_read(const tls_conn *t) { return t->write_wants_read; }

const char *tls_last_error(const tls_conn *t) { return t->err[0] ? t->err : "(null)"; }

void tls_disown(tls_conn *t) {
    if (t) t->up = false;
}

void tls_free(tls_conn *t) {
    if (t == NULL) return;
    if (t->up) {
        ERR_clear_error();
        SSL_shutdown(t->ssl);
        tls_flush(t); /* close_notify if the socket takes it; no waiting */
    }
    SSL_free(t->ssl);
    ERR_clear_error();
    mem_free(t->unsent);
    mem_free(t);
}

"""tlscerts.py -- throwaway certificates for the TLS tests, made with the
openssl CLI (Debian's openssl package, installed by scripts/install-deps.sh)
in a directory the test owns.

    certs = make_certs(dir)     -> Certs with paths:
        ca, ca_key              the test CA (self-signed)
        server, server_key      signed by the CA, CN "Server-1"
        server2, server2_key    signed by the CA, CN "Server-2" (reloads)
        client, client_key      signed by the CA, CN "Client-1"
        rogue, rogue_key        a client certificate from another CA
        dh                      DH parameters (ffdhe2048, no generation wait)
    certs.directives(**more)    tls-* directives for a server using them
    certs.ssl_kwargs(client=True)  redis-py connection arguments
    certs.cli_args(client=True) redis-cli / redis-benchmark arguments
"""

import os
import ssl
import subprocess

OPENSSL = "/usr/bin/openssl"


def _run(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def _key(name, cwd):
    _run("genrsa", "-out", name, "2048", cwd=cwd)


def _signed(name, cn, ca, ca_key, cwd):
    _key(name + ".key", cwd)
    csr = name + ".csr"
    _run("req", "-new", "-sha256", "-subj", "/O=castor tests/CN=" + cn, "-key", name + ".key",
         "-out", csr, cwd=cwd)
    _run("x509", "-req", "-sha256", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
         "-days", "30", "-out", name + ".crt", cwd=cwd)


class Certs:
    def __init__(self, d):
        self.dir = str(d)
        p = lambda n: os.path.join(self.dir, n)  # noqa: E731
        self.ca, self.ca_key = p("ca.crt"), p("ca.key")
        self.server, self.server_key = p("server.crt"), p("server.key")
        self.server2, self.server2_key = p("server2.crt"), p("server2.key")
        self.client, self.client_key = p("client.crt"), p("client.key")
        self.rogue, self.rogue_key = p("rogue.crt"), p("rogue.key")
        self.dh = p("dh.pem")

    def directives(self, **more):
        d = {"tls-cert-file": self.server, "tls-key-file": self.server_key,
             "tls-ca-cert-file": self.ca}
        d.update({k.replace("_", "-"): v for k, v in more.items()})
        return d

    def ssl_kwargs(self, client=True):
        kw = {"ssl": True, "ssl_ca_certs": self.ca, "ssl_cert_reqs": "required"}
        if client:
            kw.update(ssl_certfile=self.client, ssl_keyfile=self.client_key)
        return kw

    def context(self, client=True, **opts):
        """An ssl.SSLContext trusting the CA (no host name check)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.load_verify_locations(self.ca)
        if client:
            ctx.load_cert_chain(self.client, self.client_key)
        for k, v in opts.items():
            setattr(ctx, k, v)
        return ctx

    def cli_args(self, client=True):
        a = ["--tls", "--cacert", self.ca]
        if client:
            a += ["--cert", self.client, "--key", self.client_key]
        return a


def make_certs(d):
    d = str(d)
    os.makedirs(d, exist_ok=True)
    c = Certs(d)
    _key("ca.key", d)
    _run("req", "-x509", "-new", "-nodes", "-sha256", "-key", "ca.key", "-days", "30", "-subj",
         "/O=castor tests/CN=Certificate Authority", "-out", "ca.crt", cwd=d)
    _signed("server", "Server-1", "ca.crt", "ca.key", d)
    _signed("server2", "Server-2", "ca.crt", "ca.key", d)
    _signed("client", "Client-1", "ca.crt", "ca.key", d)
    _key("rogue.key", d)
    _run("req", "-x509", "-new", "-nodes", "-sha256", "-key", "rogue.key", "-days", "30", "-subj",
         "/O=elsewhere/CN=Rogue", "-out", "rogue.crt", cwd=d)
    _run("genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048", "-out",
         "dh.pem", cwd=d)
    return c

"""Differential tests of the error a container command gives when its
subcommand takes other arguments (Redis's addReplySubcommandSyntaxError:
"unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD>
HELP."), which every family now words through one format in errors.h
(reply_error_subcommand()). The subcommand is cut at 128 bytes, as Redis's
'%.128s' cuts it."""

LONG = "x" * 200


def test_wrong_arguments_of_a_known_subcommand(pair):
    pair.same([("XADD", "s", "1-1", "f", "v"), ("XGROUP", "CREATE", "s", "g", "0")])
    for cmd in [("CLIENT", "PAUSE", "10", "WRITE", "extra"),
                ("CLIENT", "UNBLOCK", "1", "TIMEOUT", "extra"),
                ("SLOWLOG", "GET", "1", "2"),
                ("ACL", "LIST", "extra"),
                ("ACL", "USERS", "extra"),
                ("ACL", "WHOAMI", "extra"),
                ("FUNCTION", "DUMP", "extra"),
                ("FUNCTION", "STATS", "extra"),
                ("XINFO", "STREAM", "s", "FULL", "COUNT"),
                ("XINFO", "STREAM", "s", "NOTFULL"),
                ("XGROUP", "CREATECONSUMER", "s", "g"),
                ("XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD")]:
        pair.check(*cmd)


def test_unknown_debug_subcommand_is_cut_at_128_bytes(pair):
    """DEBUG answers an unknown subcommand itself (it has no subcommand
    table): the name in the error is cut at 128 bytes."""
    reply = pair.check("DEBUG", LONG)
    assert "'" + "x" * 128 + "'" in str(reply)
    pair.check("DEBUG", "nosuchthing", "a", "b")

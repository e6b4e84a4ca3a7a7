"""The wheel built from the sdist, used as a user would (run by scripts/release-check.sh with the
fresh virtual environment's Python, outside the repository):

    python python_smoke.py VERSION EMULATOR_BINARY

The package imports from the environment (not the source tree) at the expected version; a bad
argument is a ValidationError before anything is sent; calls against the emulator work (token,
add and list a kf account); a refused call raises ApiError and prints nothing to stderr when the
application has not configured logging. Prints one summary line; exits non-zero on any failure.
"""

import io
import subprocess
import sys
import sysconfig
from pathlib import Path

APPID, SECRET = "wxreleasecheck01", "release_check_secret"


def main(version: str, emulator: str) -> None:
    import wxkf

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    where = Path(wxkf.__file__).resolve()
    assert site in where.parents, f"wxkf imported from {where}, not from the environment ({site})"
    assert wxkf.__version__ == version, (wxkf.__version__, version)

    proc = subprocess.Popen([emulator, "--port", "0", "--appid", APPID, "--secret", SECRET, "--threads", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on "), line
        url = line[len("listening on "):]

        client = wxkf.Client.stable(APPID, SECRET, base_url=url)
        try:
            client.add_kf_account("no-at-sign", "x")
            raise AssertionError("a kf_account without '@' was accepted")
        except wxkf.ValidationError as e:
            assert e.field == "kf_account", e.field
        assert client.token_fetches == 0  # nothing was sent

        client.add_kf_account("kf01@release_check", "客服小王")
        accounts = [(k.kf_account, k.kf_nick) for k in client.get_kf_list()]
        assert accounts == [("kf01@release_check", "客服小王")], accounts

        stderr, sys.stderr = sys.stderr, io.StringIO()
        try:
            client.del_kf_account("nobody@release_check")
            raise AssertionError("deleting an unknown kf succeeded")
        except wxkf.ApiError as e:
            assert e.errcode == 65401, e.errcode
        finally:
            printed, sys.stderr = sys.stderr.getvalue(), stderr
        assert printed == "", f"a failed call printed to stderr: {printed!r}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(f"wxkf {wxkf.__version__} from {where.parent.parent.name}: validation, token + add/list kf, "
          f"ApiError 65401 silent on stderr")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

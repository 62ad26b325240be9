#!/usr/bin/env python3
"""What `meson install` puts in place, checked on a real install into a
temporary --destdir (standard library only).

    check_install.py files  BUILD_DIR SOURCE_DIR UNIT_DIR DATAPLANE
    check_install.py verify BUILD_DIR SOURCE_DIR UNIT_DIR DATAPLANE

files:  the installed files are exactly the expected list, with their modes,
        the @...@ paths filled in, and a second install keeps an operator's
        edited veer.env.
verify: `systemd-analyze verify` on the installed veer.service. The unit names
        the final paths (/usr/local/bin/veer), which exist only under the
        destdir: a copy with those paths moved under it is verified, so the
        commands it runs are the installed ones. Any line systemd-analyze
        prints about the unit (an unknown key, a bad value) fails the test,
        and so does an Exec*= command that is not there (systemd-analyze
        checks ExecStart= only).

UNIT_DIR is where meson.build installs veer.service ("no": not installed);
DATAPLANE is "true" when app/veer was built. Exits 0 when all is well, 1 with
one line per problem otherwise.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile


def meson_dirs(build):
    out = subprocess.run(["meson", "introspect", build, "--buildoptions"], check=True,
                         capture_output=True, text=True).stdout
    opts = {o["name"]: o["value"] for o in json.loads(out)}
    prefix = opts["prefix"]
    return {k: os.path.join(prefix, opts[k]) for k in
            ("bindir", "datadir", "mandir", "sysconfdir", "libexecdir")}


def install(build, destdir):
    subprocess.run(["meson", "install", "-C", build, "--destdir", destdir, "--no-rebuild",
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)


def installed_files(destdir):
    found = set()
    for root, _dirs, files in os.walk(destdir):
        for f in files:
            found.add("/" + os.path.relpath(os.path.join(root, f), destdir))
    return found


def expected_files(d, source, unit_dir, dataplane):
    exp = {d["bindir"] + "/veer-ike", d["bindir"] + "/veerctl", d["bindir"] + "/veer-exporter",
           d["datadir"] + "/veer/python/veer_telemetry.py",
           d["mandir"] + "/man1/veerctl.1", d["sysconfdir"] + "/veer/veer.env"}
    for name in ("veer.example.yaml", "veer-ike.example.yaml", "veer-redirect.example.yaml",
                 "veer.env"):
        exp.add(d["sysconfdir"] + "/veer/examples/" + name)
    for name in os.listdir(os.path.join(source, "drivers-cfg")):
        exp.add(d["datadir"] + "/veer/drivers-cfg/" + name)
    if dataplane:
        exp |= {d["bindir"] + "/veer", d["bindir"] + "/veer-flood",
                d["mandir"] + "/man8/veer.8", d["libexecdir"] + "/veer/veer-hugepages"}
        if unit_dir != "no":
            exp.add(unit_dir + "/veer.service")
    return exp


def check_files(build, source, unit_dir, dataplane, problems):
    d = meson_dirs(build)
    with tempfile.TemporaryDirectory() as destdir:
        install(build, destdir)
        got = installed_files(destdir)
        want = expected_files(d, source, unit_dir, dataplane)
        for f in sorted(want - got):
            problems.append(f"not installed: {f}")
        for f in sorted(got - want):
            problems.append(f"installed but not expected: {f}")
        executables = [d["bindir"] + "/veer-ike", d["bindir"] + "/veerctl",
                       d["bindir"] + "/veer-exporter"]
        if dataplane:
            executables += [d["bindir"] + "/veer", d["libexecdir"] + "/veer/veer-hugepages"]
        for f in executables:
            path = destdir + f
            if os.path.exists(path) and not os.stat(path).st_mode & stat.S_IXOTH:
                problems.append(f"not executable by everyone: {f}")
        configured = [d["sysconfdir"] + "/veer/veer.env",
                      d["sysconfdir"] + "/veer/examples/veer.env",
                      d["bindir"] + "/veerctl", d["bindir"] + "/veer-exporter"]
        if dataplane and unit_dir != "no":
            configured.append(unit_dir + "/veer.service")
        for f in configured:
            if os.path.exists(destdir + f):
                with open(destdir + f) as fh:
                    text = fh.read()
                if any(p in text for p in ("@BINDIR@", "@SYSCONFDIR@", "@LIBEXECDIR@",
                                           "@VEER_PYTHON_DIR@")):
                    problems.append(f"unfilled @...@ path in {f}")
        env = destdir + d["sysconfdir"] + "/veer/veer.env"
        if os.path.exists(env):
            with open(env) as fh:
                text = fh.read()
            if f"VEER_CONFIG={d['sysconfdir']}/veer/veer.yaml\n" not in text:
                problems.append(f"{env}: no VEER_CONFIG={d['sysconfdir']}/veer/veer.yaml line")
            # An operator's edit survives the next install.
            with open(env, "a") as fh:
                fh.write("VEER_ARGS=-v  # the operator's\n")
            install(build, destdir)
            with open(env) as fh:
                if "# the operator's" not in fh.read():
                    problems.append("a second meson install overwrote the operator's veer.env")


def check_verify(build, unit_dir, dataplane, problems):
    if not dataplane or unit_dir == "no":
        problems.append("no veer.service to verify (DPDK not found, or systemdsystemunitdir=no)")
        return
    d = meson_dirs(build)
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        problems.append("systemd-analyze not found: install systemd (scripts/install-deps.sh)")
        return
    with tempfile.TemporaryDirectory() as destdir:
        install(build, destdir)
        with open(destdir + unit_dir + "/veer.service") as fh:
            text = fh.read()
        for k in ("bindir", "libexecdir", "sysconfdir"):
            text = text.replace(d[k] + "/", destdir + d[k] + "/")
        # systemd-analyze checks ExecStart= only: every other command too.
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if key.startswith("Exec") and value:
                cmd = value.lstrip("-+@!:").split()[0]
                if not os.path.isabs(cmd) or not os.access(cmd, os.X_OK):
                    problems.append(f"{key}: {cmd} is not an installed executable")
        unit = os.path.join(destdir, "veer.service")
        with open(unit, "w") as fh:
            fh.write(text)
        r = subprocess.run([analyze, "verify", "--man=no", unit], capture_output=True,
                           text=True)
        ours = [line for line in (r.stdout + r.stderr).splitlines() if "veer.service" in line]
        if r.returncode != 0:
            problems.append(f"systemd-analyze verify exited {r.returncode}")
        problems.extend("systemd-analyze: " + line for line in ours)
        if not problems:
            print(f"ok: systemd-analyze verify {unit_dir}/veer.service (commands under {destdir})")


def main(argv):
    if len(argv) != 6 or argv[1] not in ("files", "verify"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, build, source, unit_dir, dataplane = argv[1], argv[2], argv[3], argv[4], argv[5]
    problems = []
    if mode == "files":
        check_files(build, source, unit_dir, dataplane == "true", problems)
    else:
        check_verify(build, unit_dir, dataplane == "true", problems)
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print(f"ok: install {mode}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

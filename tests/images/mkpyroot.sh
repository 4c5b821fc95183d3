#!/bin/sh
# Assemble a small offline rootfs tar for test containers: the host's /usr/bin/python3 and its stdlib
# (precompiled, so `import http.server` does not cost 0.7 s per container start), the shared libraries
# the interpreter and its extension modules need, and busybox-static for sh/wget. No registry involved.
# Usage: mkpyroot.sh WORK_DIR OUT.tar
set -eu
W=${1:?work dir}; OUT=${2:?output tar}
PY=$(readlink -f /usr/bin/python3 || true)
[ -x "$PY" ] || { echo "mkpyroot: /usr/bin/python3 not found (the image is made from the host's python3)" >&2; exit 3; }
VER=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] || { echo "mkpyroot: busybox not found (apt-get install busybox-static)" >&2; exit 3; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then
  echo "mkpyroot: $BUSYBOX is dynamically linked; install busybox-static" >&2; exit 3
fi
R="$W/rootfs"
rm -rf "$R"; mkdir -p "$R/usr/bin" "$R/bin" "$R/tmp" "$R/etc" "$R/app" "$R/usr/lib/python$VER"
chmod 1777 "$R/tmp"
cp "$PY" "$R/usr/bin/python$VER"; ln -s "python$VER" "$R/usr/bin/python3"
ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"   # merged-usr layout, whatever the host's
tar -C "/usr/lib/python$VER" --exclude=test --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
    --exclude=lib2to3 --exclude=dist-packages --exclude=site-packages --exclude="config-$VER-*" \
    --exclude=pydoc_data --exclude=__pycache__ --exclude='_test*.so' --exclude='xxlimited*' -cf - . \
  | tar -C "$R/usr/lib/python$VER" -xf -
# shared libraries of the interpreter and of every extension module (ssl, sqlite3, ctypes... all import)
for f in "$PY" "$R/usr/lib/python$VER"/lib-dynload/*.so; do ldd "$f" 2>/dev/null || true; done \
  | awk '/=> \//{print $3} $1 ~ /^\/lib64\//{print $1}' | sort -u | while read -r lib; do
    d="$R/usr$(dirname "$lib" | sed 's#^/usr##')"; mkdir -p "$d"
    cp "$(readlink -f "$lib")" "$d/$(basename "$lib")"
  done
cp "$BUSYBOX" "$R/bin/busybox"; for a in sh wget cat ls sleep env kill ps; do ln -s busybox "$R/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"; echo 'root:x:0:' > "$R/etc/group"
echo 'hosts: files' > "$R/etc/nsswitch.conf"
echo ok > "$R/app/health"
# Same interpreter as the image, so the .pyc files are valid there; unchecked-hash: never re-validated.
"$PY" -m compileall -q -j 0 --invalidation-mode unchecked-hash -s "$R" -p / "$R/usr/lib/python$VER" >/dev/null
tar -C "$R" --numeric-owner --owner=0 --group=0 -cf "$OUT" .
rm -rf "$R"

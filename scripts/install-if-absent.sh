#!/bin/sh
# install-if-absent.sh SOURCE DEST MODE: meson's install script for files an
# operator edits (sysconfdir/veer/veer.env). Copies SOURCE to DEST (an
# absolute path, under $DESTDIR when meson install has --destdir) only when
# DEST does not exist, so that reinstalling never overwrites an operator's
# copy; the shipped version is also installed beside the examples.
set -eu
src=$1
dest=${DESTDIR:-}$2
mode=$3
if [ -e "$dest" ] || [ -L "$dest" ]; then
    echo "Keeping $dest (exists; the shipped one is among the examples)"
    exit 0
fi
mkdir -p "$(dirname "$dest")"
install -m "$mode" "$src" "$dest"
echo "Installing $src to $dest"

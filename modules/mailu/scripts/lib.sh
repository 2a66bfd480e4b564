# The data layer's helpers (log, fail, manifests, hashing while streaming), which upload.sh and
# fetch.sh use too, plus the file listings of volume archives. POSIX sh: the rclone image runs
# busybox ash, the tests whatever /bin/sh the machine has.
# shellcheck source=../../data/scripts/lib.sh
. "$(dirname "$0")/data-lib.sh"

# file_listing ARCHIVE: "path<TAB>size" of every regular file in a .tar.gz, sorted.
file_listing() {
  tar -tzvf "$1" | awk '$1 ~ /^-/ { size = $3; sub(/^([^ ]+ +){5}/, ""); sub(/^\.\//, ""); print $0 "\t" size }' | LC_ALL=C sort
}

# tree_listing DIR: the same for the regular files under DIR.
tree_listing() {
  (cd "$1" && find . -type f -exec stat -c '%n	%s' {} +) | sed 's|^\./||' | LC_ALL=C sort
}

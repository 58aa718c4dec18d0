#!/usr/bin/env bash
# A Debian 12 VM under qemu whose Docker engine is what most users have: cgroup v2 alone
# (the unified hierarchy, with nsdelegate and every controller), Docker 20.10 with the
# systemd cgroup driver. The tests reach its engine over TCP on a loopback port.
#
#   cgroup-v2-vm.sh build DIR    debootstrap the VM's disk into DIR (once; a few minutes)
#   cgroup-v2-vm.sh start DIR    boot it; prints the DOCKER_HOST to use when its engine answers
#   cgroup-v2-vm.sh stop DIR     power it off
#
# qemu emulates the CPU in software (about ten times slower); VM_ACCEL=kvm uses KVM instead.
# Nothing of the machine's own engine or cgroups is touched.
set -euo pipefail
action=${1:?build, start or stop}
dir=${2:?a folder for the VM}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
release=${VM_RELEASE:-bookworm}
memory=${VM_MEMORY:-6G}
cpus=${VM_CPUS:-2}
disk_size=${VM_DISK:-24G}

mirror() {
  local found
  found=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
          | head -n1 | awk '{print $2}') || true
  echo "${DEBIAN_MIRROR:-${found:-http://deb.debian.org/debian}}"
}

build() {
  [ -f "$dir/disk.img" ] && { echo "VM disk: present ($dir/disk.img)"; return; }
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
  local root="$dir/rootfs"
  rm -rf --one-file-system "$root"
  debootstrap --variant=minbase \
    --include=linux-image-amd64,initramfs-tools,apparmor,systemd-sysv,udev,kmod,iproute2,util-linux,e2fsprogs,ca-certificates,docker.io \
    "$release" "$root" "$(mirror)" >"$dir/debootstrap.log" 2>&1 \
    || { echo "debootstrap failed, see $dir/debootstrap.log" >&2; exit 1; }
  echo "asynclab-v2vm" >"$root/etc/hostname"
  echo "/dev/vda / ext4 defaults 0 1" >"$root/etc/fstab"
  # qemu's user network: DHCP, and its resolver at 10.0.2.3.
  mkdir -p "$root/etc/systemd/network"
  printf '[Match]\nName=en*\n\n[Network]\nDHCP=yes\n' >"$root/etc/systemd/network/10-dhcp.network"
  ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  echo "nameserver 10.0.2.3" >"$root/etc/resolv.conf"
  # Each target runs systemd (six inotify instances each).
  echo "fs.inotify.max_user_instances = 1024" >"$root/etc/sysctl.d/60-lab.conf"
  # The engine also listens on TCP inside the VM; qemu forwards it to the machine's loopback only.
  mkdir -p "$root/etc/systemd/system/docker.service.d"
  printf '[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 --containerd=/run/containerd/containerd.sock\n' \
    >"$root/etc/systemd/system/docker.service.d/tcp.conf"
  # The console on the serial line, for the log.
  ln -sf /lib/systemd/system/serial-getty@.service "$root/etc/systemd/system/getty.target.wants/serial-getty@ttyS0.service"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  cp "$root"/boot/vmlinuz-* "$dir/vmlinuz"
  cp "$root"/boot/initrd.img-* "$dir/initrd.img"
  truncate -s "$disk_size" "$dir/disk.img.part"
  mkfs.ext4 -q -F -L lab -d "$root" "$dir/disk.img.part"
  mv "$dir/disk.img.part" "$dir/disk.img"
  rm -rf --one-file-system "$root"
  echo "VM disk: built ($dir/disk.img)"
}

start() {
  [ -f "$dir/disk.img" ] || build
  local port accel
  # shellcheck source=scripts/lib.sh
  port=$(. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh" && free_port)
  # Software emulation unless VM_ACCEL=kvm: a /dev/kvm that opens may still hang a guest (it
  # does inside some VMs), and nothing tells that before the boot is under way.
  accel=${VM_ACCEL:-tcg}
  echo "$accel" >"$dir/accel"
  qemu-system-x86_64 -accel "$accel" -cpu max -smp "$cpus" -m "$memory" \
    -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1" \
    -drive "file=$dir/disk.img,format=raw,if=virtio" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:2375" -device virtio-net-pci,netdev=n0 \
    -display none -serial "file:$dir/console.log" -monitor none -pidfile "$dir/qemu.pid" -daemonize
  local host="tcp://127.0.0.1:$port" limit=900
  [ "$accel" = kvm ] && limit=180
  for _ in $(seq 1 "$limit"); do
    DOCKER_HOST=$host docker info >/dev/null 2>&1 && break
    sleep 1
  done
  DOCKER_HOST=$host docker info >/dev/null 2>&1 || { echo "the VM's engine did not answer; console:" >&2; tail -n 30 "$dir/console.log" >&2; exit 1; }
  echo "$host"
}

stop() {
  [ -f "$dir/qemu.pid" ] || return 0
  local pid
  pid=$(cat "$dir/qemu.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/qemu.pid"
}

case "$action" in
build) build ;;
start) start ;;
stop) stop ;;
*) echo "usage: $0 build|start|stop DIR" >&2; exit 2 ;;
esac

#!/bin/sh
# No devices besides the q35 built-ins (00:00.0 host bridge, 00:1f.0 LPC,
# 00:1f.2 SATA, 00:1f.3 SMBus) and the harness' virtio-9p (00:10.0-00:12.0).
:

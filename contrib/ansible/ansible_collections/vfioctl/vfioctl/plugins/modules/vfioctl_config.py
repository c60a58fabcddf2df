# SPDX-License-Identifier: GPL-2.0-or-later
# vfioctl.vfioctl.vfioctl_config: write /etc/vfioctl.conf from structured
# YAML and run `vfioctl --json apply` (contrib/ansible/README.md).
# (no "#!" line: Ansible runs python modules with the target's interpreter)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vfioctl_config
short_description: Bind PCI devices to vfio-pci and set up SR-IOV VFs with vfioctl
description:
  - Writes the configuration given as structured options to I(path) (the
    format of vfioctl(8), CONFIGURATION) and runs C(vfioctl --json apply),
    which loads the driver modules, sets each PF's VF count, sets the VF
    attributes and binds every configured device's IOMMU group and the VFs.
  - The new configuration is checked first with C(vfioctl apply --dry-run
    --config) on a temporary copy; an invalid one (a bad MAC, a device that
    is not there, too many VFs) fails with nothing changed, not even I(path).
  - C(changed) is true when I(path) or the host changed (apply's C(changed));
    a second run with the same options reports C(changed=false).
  - The result holds apply's JSON (C(status), C(items), C(blockers), ...).
  - Exit status 2 or 3 of apply (invalid, or failed and rolled back) fails
    the task with nothing changed and the previous I(path) put back; exit 4
    (failed, not all undone) fails it with C(changed=true) and the new
    I(path) kept; the message says what is left.
  - The service vfioctl.service applies the same file at boot once enabled
    (C(systemctl enable vfioctl.service), e.g. with ansible.builtin.systemd).
version_added: "0.1"
author: vfioctl authors
options:
  devices:
    description: Devices whose whole IOMMU group is bound (C([device]) entries).
    type: list
    elements: dict
    default: []
    suboptions:
      address:
        description: PCI address, C(0000:01:00.0) or C(01:00.0).
        type: str
        required: true
      driver:
        description: The PCI driver.
        type: str
        default: vfio-pci
  pfs:
    description: SR-IOV physical functions (C([pf]) entries).
    type: list
    elements: dict
    default: []
    suboptions:
      address:
        description: PCI address of the PF.
        type: str
        required: true
      vfs:
        description: Number of VFs (0 removes them).
        type: int
        required: true
      vf_driver:
        description: Bind every VF to this driver (the host's VF driver never probes them).
        type: str
      vf:
        description: Attributes of single VFs, by index (from 0, below I(vfs)).
        type: list
        elements: dict
        default: []
        suboptions:
          index: {description: VF index, type: int, required: true}
          mac: {description: Unicast, non-zero MAC address, type: str}
          vlan: {description: VLAN ID 0-4095 (0 is none), type: int}
          qos: {description: 802.1p priority 0-7 (needs I(vlan)), type: int}
          trust: {description: Trusted VF, type: bool}
          spoofchk: {description: MAC/VLAN anti-spoofing check, type: bool}
          state: {description: Link state, type: str, choices: [auto, enable, disable]}
  path:
    description:
      - The file written. C(/etc/vfioctl.conf) or C(/etc/vfioctl.d/NAME.conf)
        are applied with the other default files (plain C(vfioctl apply));
        any other file alone (C(vfioctl apply --config PATH)).
    type: path
    default: /etc/vfioctl.conf
  force:
    description: Go on despite devices in use (C(apply --force)).
    type: bool
    default: false
notes:
  - Check mode runs C(vfioctl apply --dry-run) on the new configuration alone
    and changes nothing; diff mode shows the change of I(path).
  - Needs vfioctl on the target (the Debian package ships this collection in
    /usr/share/vfioctl/ansible).
attributes:
  check_mode: {support: full}
  diff_mode: {support: full}
"""

EXAMPLES = r"""
- name: GPU to vfio-pci, 3 VFs with MACs
  vfioctl.vfioctl.vfioctl_config:
    devices:
      - address: "0000:02:00.0"
    pfs:
      - address: "0000:01:00.0"
        vfs: 3
        vf_driver: vfio-pci
        vf:
          - {index: 0, mac: "02:00:00:00:00:10", vlan: 100, trust: true, spoofchk: false}
          - {index: 1, mac: "02:00:00:00:00:11"}
          - {index: 2, mac: "02:00:00:00:00:12"}
"""

RETURN = r"""
status:
  description: apply's status (ok, planned, refused, rolled-back, partial).
  returned: when apply ran
  type: str
items:
  description: apply's steps (vfioctl(8), JSON OUTPUT, apply); use C(result['items']).
  returned: when apply ran
  type: list
config_changed:
  description: Whether I(path) was (or, in check mode, would be) rewritten.
  returned: always
  type: bool
rc:
  description: Exit status of vfioctl apply.
  returned: when apply ran
  type: int
"""

import json
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

DEFAULT_FILES = re.compile(r"^/etc/vfioctl\.conf$|^/etc/vfioctl\.d/[^./][^/]*\.conf$")
# what may stand in a section header or after "key =" without ending it
WORD = re.compile(r"^[A-Za-z0-9:._-]+$")
VF_KEYS = ("mac", "vlan", "qos", "trust", "spoofchk", "state")


def word(module, what, value):
    value = str(value)
    if not WORD.match(value):
        module.fail_json(msg="%s: %r is not a word of letters, digits, ':', '.', '_', '-'" % (what, value), changed=False)
    return value


def render(module):
    p = module.params
    out = [
        "# Written by Ansible (vfioctl.vfioctl.vfioctl_config); edits are replaced",
        "# on its next run. See vfioctl(8), CONFIGURATION.",
    ]
    for d in p["devices"]:
        addr = word(module, "devices.address", d["address"])
        out += ["", "[device %s]" % addr, "driver = %s" % word(module, "devices.driver", d["driver"])]
    for pf in p["pfs"]:
        addr = word(module, "pfs.address", pf["address"])
        out += ["", "[pf %s]" % addr, "vfs = %d" % pf["vfs"]]
        if pf.get("vf_driver"):
            out.append("vf-driver = %s" % word(module, "pfs.vf_driver", pf["vf_driver"]))
        for vf in sorted(pf.get("vf") or [], key=lambda v: v["index"]):
            for k in VF_KEYS:
                v = vf.get(k)
                if v is None:
                    continue
                if isinstance(v, bool):
                    v = "on" if v else "off"
                out.append("vf.%d.%s = %s" % (vf["index"], k, word(module, "pfs.vf." + k, v)))
    return "\n".join(out) + "\n"


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except IOError as e:
        if e.errno == 2:
            return None
        raise


def parse(out):
    try:
        res = json.loads(out)
    except ValueError:
        return {}
    return res if isinstance(res, dict) else {}


def run_apply(module, vfioctl, extra):
    cmd = [vfioctl, "--json", "apply"] + extra
    if module.params["force"]:
        cmd.append("--force")
    rc, out, err = module.run_command(cmd)
    res = parse(out)
    # stderr repeats what the JSON says; keep it for exits without JSON
    return rc, res, err.strip()


def why(res, err, rc):
    e = res.get("error")
    if isinstance(e, dict) and e.get("message"):
        return e["message"]
    msgs = list(res.get("blockers") or [])
    msgs += ["%s %s: %s" % (i.get("step"), i.get("target"), i.get("error"))
             for i in res.get("items") or [] if i.get("error")]
    if msgs:
        return "; ".join(msgs)
    return err or "vfioctl apply exited %d" % rc


def main():
    vf_spec = dict(
        index=dict(type="int", required=True),
        mac=dict(type="str"),
        vlan=dict(type="int"),
        qos=dict(type="int"),
        trust=dict(type="bool"),
        spoofchk=dict(type="bool"),
        state=dict(type="str", choices=["auto", "enable", "disable"]),
    )
    module = AnsibleModule(
        argument_spec=dict(
            devices=dict(type="list", elements="dict", default=[], options=dict(
                address=dict(type="str", required=True),
                driver=dict(type="str", default="vfio-pci"),
            )),
            pfs=dict(type="list", elements="dict", default=[], options=dict(
                address=dict(type="str", required=True),
                vfs=dict(type="int", required=True),
                vf_driver=dict(type="str"),
                vf=dict(type="list", elements="dict", default=[], options=vf_spec),
            )),
            path=dict(type="path", default="/etc/vfioctl.conf"),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    vfioctl = module.get_bin_path("vfioctl", required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin"])
    path = module.params["path"]
    new = render(module)
    old = read(path)
    config_changed = old != new
    result = dict(changed=False, config_changed=config_changed, path=path)
    if module._diff:
        result["diff"] = dict(before=old or "", after=new, before_header=path, after_header=path)

    # The new file, next to PATH (same file system: renamed into place).
    tmpdir = os.path.dirname(path) or "."
    if not os.path.isdir(tmpdir):
        if module.check_mode:
            tmpdir = tempfile.gettempdir()
        else:
            os.makedirs(tmpdir, 0o755)
    fd, tmp = tempfile.mkstemp(dir=tmpdir, prefix=".vfioctl-ansible.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w") as f:
            f.write(new)
        # Everything is checked before anything changes (and this is check mode's plan).
        rc, res, err = run_apply(module, vfioctl, ["--dry-run", "--config", tmp])
        # the plan names the temporary file: name PATH instead
        plan = json.loads(json.dumps(res).replace(tmp, path))
        if rc != 0:
            result.update(plan, rc=rc, changed=False, config_changed=False)
            module.fail_json(msg="invalid configuration, nothing changed: %s" % why(plan, err.replace(tmp, path), rc), **result)
        if module.check_mode:
            result.update(plan, rc=rc)
            result["changed"] = config_changed or any(i.get("status") == "planned" for i in plan.get("items", []))
            module.exit_json(**result)
        if config_changed:
            module.atomic_move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)

    extra = [] if DEFAULT_FILES.match(path) else ["--config", path]
    rc, res, err = run_apply(module, vfioctl, extra)
    result.update(res, rc=rc)
    if rc == 0:
        result["changed"] = config_changed or bool(res.get("changed"))
        module.exit_json(**result)
    if rc == 4:
        # not all undone: the host is between both; keep the new file (boot and
        # `vfioctl status` then name what differs from it)
        result["changed"] = True
        module.fail_json(msg="vfioctl apply failed and could not undo everything (exit 4): %s" % why(res, err, rc), **result)
    # 2, 3 (or anything else): apply changed nothing; neither does the module
    if config_changed:
        if old is None:
            os.unlink(path)
        else:
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".vfioctl-ansible.", suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                f.write(old)
            module.atomic_move(tmp, path)
        result["config_changed"] = False
        result["config_restored"] = True
    result["changed"] = False
    module.fail_json(msg="vfioctl apply failed, nothing changed (exit %d): %s" % (rc, why(res, err, rc)), **result)


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: GPL-2.0-or-later
# vfioctl.vfioctl.vfioctl_facts: the host's PCI devices, IOMMU groups and
# doctor checks as facts (read-only), for selecting hosts in a playbook.
# (no "#!" line: Ansible runs python modules with the target's interpreter)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vfioctl_facts
short_description: PCI devices, IOMMU groups and VFIO readiness from vfioctl, as facts
description:
  - Runs C(vfioctl --json list), C(vfioctl --json groups) and
    C(vfioctl --json doctor) on the target and sets the fact C(vfioctl).
    Read-only; never changes anything (C(changed=false)).
  - "C(vfioctl.devices): list's devices; C(vfioctl.groups): the groups of
    C(groups) (each with C(id), C(devices), C(viable), C(reasons));
    C(vfioctl.iommu): whether the kernel has IOMMU groups;
    C(vfioctl.device_groups): per PCI address its group's C(group),
    C(viable) and C(reasons); C(vfioctl.doctor): doctor's JSON;
    C(vfioctl.doctor_ok); C(vfioctl.checks): doctor's check id to status
    (pass, warn, fail, ...)."
version_added: "0.1"
author: vfioctl authors
options:
  gather:
    description: Which commands to run (a doctor that finds a problem is not a failure).
    type: list
    elements: str
    choices: [list, groups, doctor]
    default: [list, groups, doctor]
attributes:
  check_mode: {support: full}
  diff_mode: {support: none}
  facts: {support: full}
"""

EXAMPLES = r"""
- vfioctl.vfioctl.vfioctl_facts:
- name: Hosts whose IOMMU is on and whose GPU's group can go to a VM
  ansible.builtin.group_by:
    key: "{{ 'vfio_ready' if vfioctl.iommu and vfioctl.checks['iommu-enabled'] == 'pass'
             and vfioctl.device_groups[gpu].viable else 'vfio_not_ready' }}"
"""

RETURN = r"""
ansible_facts:
  description: C(vfioctl), as described above.
  returned: always
  type: dict
"""

import json

from ansible.module_utils.basic import AnsibleModule


def run(module, vfioctl, args, ok_rcs=(0,)):
    rc, out, err = module.run_command([vfioctl, "--json"] + args)
    try:
        res = json.loads(out)
    except ValueError:
        res = None
    if rc not in ok_rcs or not isinstance(res, dict):
        msg = err.strip() or "no JSON"
        if isinstance(res, dict) and isinstance(res.get("error"), dict):
            msg = res["error"].get("message") or msg
        module.fail_json(msg="vfioctl %s (exit %d): %s" % (" ".join(args), rc, msg), rc=rc)
    return res


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather=dict(type="list", elements="str", choices=["list", "groups", "doctor"],
                        default=["list", "groups", "doctor"]),
        ),
        supports_check_mode=True,
    )
    vfioctl = module.get_bin_path("vfioctl", required=True, opt_dirs=["/usr/sbin", "/usr/local/sbin"])
    want = module.params["gather"]
    facts = {}
    if "list" in want:
        facts["devices"] = run(module, vfioctl, ["list"]).get("devices", [])
    if "groups" in want:
        g = run(module, vfioctl, ["groups"])
        facts["iommu"] = bool(g.get("iommu"))
        facts["groups_mode"] = g.get("mode")
        facts["groups"] = g.get("groups", [])
        facts["device_groups"] = dict(
            (d["address"], dict(group=grp.get("id"), viable=grp.get("viable"), reasons=grp.get("reasons", [])))
            for grp in facts["groups"] for d in grp.get("devices", []))
    if "doctor" in want:
        # exit 1: a check failed (that is a fact, not an error)
        d = run(module, vfioctl, ["doctor"], ok_rcs=(0, 1))
        facts["doctor"] = d
        facts["doctor_ok"] = bool(d.get("ok"))
        facts["checks"] = dict((c.get("id"), c.get("status")) for c in d.get("checks", []))
    module.exit_json(changed=False, ansible_facts=dict(vfioctl=facts))


if __name__ == "__main__":
    main()

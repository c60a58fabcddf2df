# fish completion for vfioctl(8). Installed as
# $datadir/fish/vendor_completions.d/vfioctl.fish.

# Print the command word (list, show, ...) of the line being completed, and the
# sysroot (--sysroot/-s on the line, else $VFIOCTL_SYSROOT) with --root.
function __vfioctl_parse
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l root $VFIOCTL_SYSROOT
    set -l cmd
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set root $t
            set skip 0
            continue
        end
        switch $t
            case -s --sysroot
                set skip 1
            case '--sysroot=*'
                set root (string replace -- '--sysroot=' '' $t)
            case '-s?*'
                set root (string sub -s 3 -- $t)
            case '-*'
            case '*'
                set cmd $t
                break
        end
    end
    if contains -- --root $argv
        test "$root" = / && set root ''
        echo -- $root
    else
        echo -- $cmd
    end
end

function __vfioctl_needs_command
    test -z (__vfioctl_parse)
end

function __vfioctl_using
    contains -- (__vfioctl_parse) $argv
end

# Number of operands after the command (words that are not options).
function __vfioctl_operands
    set -l tokens (commandline -opc)
    set -l n 0
    set -l seen 0
    set -l skip 0
    set -l cmd (__vfioctl_parse)
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        if test $seen = 0
            switch $t
                case -s --sysroot
                    set skip 1
                case '-*'
                case '*'
                    set seen 1
            end
            continue
        end
        switch $t
            case -o --output -c --class -d --driver -g --group
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
        end
    end
    echo $n
end

function __vfioctl_devices
    set -l root (__vfioctl_parse --root)
    for p in $root/sys/bus/pci/devices/*
        printf '%s\tPCI device\n' (string replace -r -- '.*/' '' $p)
    end
    for p in $root/sys/class/net/*
        if test -e $p/device; or test -L $p/device
            printf '%s\tnetwork interface\n' (string replace -r -- '.*/' '' $p)
        end
    end
end

function __vfioctl_iommu_groups
    set -l root (__vfioctl_parse --root)
    for p in $root/sys/kernel/iommu_groups/*
        printf '%s\tIOMMU group\n' (string replace -r -- '.*/' '' $p)
    end
end

# Complete the last item of a comma-separated list, leaving out items given.
function __vfioctl_list_append
    set -l tok (commandline -ct | string replace -r -- '^--[^=]*=' '')
    set -l head (string match -r -- '^.*,' $tok)
    set -l used (string split , -- $head)
    for w in $argv
        contains -- $w $used; or printf '%s\n' "$head$w"
    end
end

# "id:VVVV:DDDD" of the devices present, for --acs-override.
function __vfioctl_ids
    set -l root (__vfioctl_parse --root)
    for p in $root/sys/bus/pci/devices/*
        if test -r $p/vendor -a -r $p/device
            read -l v <$p/vendor
            read -l d <$p/device
            echo id:(string replace 0x '' -- $v):(string replace 0x '' -- $d)
        end
    end | sort -u
end

function __vfioctl_drivers
    set -l root (__vfioctl_parse --root)
    printf '%s\t%s\n' none 'no driver'
    for p in $root/sys/bus/pci/drivers/*
        printf '%s\tPCI driver\n' (string replace -r -- '.*/' '' $p)
    end
end

# sriov: the subcommand (show, set, vf) of the line, or nothing.
function __vfioctl_sriov_sub
    set -l tokens (commandline -opc)
    set -l i (contains -i -- sriov $tokens); or return
    for t in $tokens[(math $i + 1)..-1]
        switch $t
            case '-*'
            case '*'
                echo -- $t
                return
        end
    end
end

function __vfioctl_sriov_using
    __vfioctl_using sriov; and contains -- (__vfioctl_sriov_sub) $argv
end

# Operands after the sriov subcommand (options with values skipped).
function __vfioctl_sriov_operands
    set -l tokens (commandline -opc)
    set -l i (contains -i -- sriov $tokens); or return
    set -l n -1
    set -l skip 0
    set -l ops
    for t in $tokens[(math $i + 1)..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -N --vfs -b --bind -a --autoprobe -t --timeout -m --mac -V --vlan -q --qos -T --trust -s --spoofchk -S --state
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
                set ops $ops $t
        end
    end
    if contains -- --pf $argv
        echo -- $ops[2]
    else
        echo $n
    end
end

function __vfioctl_sriov_pfs
    set -l root (__vfioctl_parse --root)
    for p in $root/sys/bus/pci/devices/*
        test -e $p/sriov_totalvfs; or continue
        printf '%s\tSR-IOV PF\n' (string replace -r -- '.*/' '' $p)
        for n in $p/net/*
            printf '%s\tPF interface\n' (string replace -r -- '.*/' '' $n)
        end
    end
end

function __vfioctl_sriov_vfs
    set -l root (__vfioctl_parse --root)
    set -l pf (__vfioctl_sriov_operands --pf)
    set -l d $root/sys/bus/pci/devices/$pf
    test -d $d; or set d $root/sys/class/net/$pf/device
    for l in $d/virtfn*
        printf '%s\tVF\n' (string replace -r -- '.*virtfn' '' $l)
    end
end

complete -c vfioctl -f

# Global options (before the command) and commands.
set -l g '__vfioctl_needs_command'
complete -c vfioctl -n $g -s j -l json -d 'Print one JSON document on stdout'
complete -c vfioctl -n $g -s s -l sysroot -x -a '(__fish_complete_directories)' -d 'Read /sys, /proc, /dev, /run under DIR'
complete -c vfioctl -n $g -s v -l verbose -d 'Print debugging messages on stderr'
complete -c vfioctl -n $g -s h -l help -d 'Show the help'
complete -c vfioctl -n $g -s V -l version -d 'Show the version'
complete -c vfioctl -n $g -a list -d 'List PCI devices with driver, IOMMU group and SR-IOV role'
complete -c vfioctl -n $g -a show -d 'Show everything about one device and its upstream path'
complete -c vfioctl -n $g -a groups -d 'List IOMMU groups; explain or predict the grouping'
complete -c vfioctl -n $g -a check -d "Check whether a device's IOMMU group can be assigned to a VM"
complete -c vfioctl -n $g -a bind -d "Bind devices' whole IOMMU groups to vfio-pci in one safe batch"
complete -c vfioctl -n $g -a unbind -d 'Detach devices from their driver and keep them driverless'
complete -c vfioctl -n $g -a restore -d 'Give devices back the driver they had before vfioctl moved them'
complete -c vfioctl -n $g -a sriov -d 'SR-IOV: show PFs and VFs, set the VF count, set VF attributes'
complete -c vfioctl -n $g -a doctor -d 'Check that IOMMU and VFIO work; say why not and how to fix it'
complete -c vfioctl -n $g -a apply -d 'Apply the configuration: modules, VFs, VF attributes, binds'
complete -c vfioctl -n $g -a status -d 'Compare the configuration with the host; exit 1 on drift'
complete -c vfioctl -n $g -a snapshot -d 'Save the sysfs/proc subset vfioctl reads as a tar.gz'
complete -c vfioctl -n $g -a help -d 'Show the help'

# Options every command accepts.
set -l any '__vfioctl_using list show groups check bind unbind restore sriov doctor apply status snapshot'
complete -c vfioctl -n $any -s j -l json -d 'Print JSON'
complete -c vfioctl -n $any -s h -l help -d 'Show the help of the command'

# list [--class CLASS[,CLASS...]] [--driver DRIVER] [DEVICE...]
set -l classes other storage net display multimedia memory bridge comm system input docking processor serial usb wireless intelligent satellite crypto signal accel instrumentation
complete -c vfioctl -n '__vfioctl_using list' -s c -l class -x -a "(__vfioctl_list_append $classes)" -d 'Only these classes'
complete -c vfioctl -n '__vfioctl_using list' -s d -l driver -x -a '(__vfioctl_drivers)' -d 'Only devices bound to DRIVER'
complete -c vfioctl -n '__vfioctl_using list' -a '(__vfioctl_devices)'

# show DEVICE
complete -c vfioctl -n '__vfioctl_using show; and test (__vfioctl_operands) = 0' -a '(__vfioctl_devices)'

# groups [--explain] [--predict] [--acs-override=MODES] [--from-lspci FILE] [GROUP|DEVICE...]
complete -c vfioctl -n '__vfioctl_using groups' -s l -l from-lspci -r -F -d 'Read another machine from its lspci -vvnn text'
complete -c vfioctl -n '__vfioctl_using groups' -s e -l explain -d 'Say why devices share a group'
complete -c vfioctl -n '__vfioctl_using groups' -s p -l predict -d 'Compute the groups from topology and ACS'
complete -c vfioctl -n '__vfioctl_using groups' -s o -l acs-override -x -a '(__vfioctl_list_append downstream multifunction (__vfioctl_ids))' -d 'Predict with the pcie_acs_override patch (UNSAFE)'
# group numbers name the kernel's groups: not with --predict/--acs-override
complete -c vfioctl -n '__vfioctl_using groups; and not __fish_seen_argument -s p -l predict -s o -l acs-override' -a '(__vfioctl_iommu_groups)'
complete -c vfioctl -n '__vfioctl_using groups' -a '(__vfioctl_devices)'

# check DEVICE... | --group N
complete -c vfioctl -n '__vfioctl_using check' -s g -l group -x -a '(__vfioctl_iommu_groups)' -d 'Check IOMMU group N'
complete -c vfioctl -n '__vfioctl_using check; and not __fish_seen_argument -s g -l group' -a '(__vfioctl_devices)'

# bind [--driver DRIVER] [--only] [--dry-run] [--force] DEVICE...
complete -c vfioctl -n '__vfioctl_using bind' -s d -l driver -x -a 'vfio-pci (__vfioctl_drivers)' -d 'Bind to DRIVER (default vfio-pci)'
complete -c vfioctl -n '__vfioctl_using bind' -s p -l persist -d 'Also write the binding to the configuration'
complete -c vfioctl -n '__vfioctl_using bind' -l no-udev-wait -d 'Verify with the driver links, do not wait for udev'
# unbind|restore [--only] [--dry-run] [--force] DEVICE...
complete -c vfioctl -n '__vfioctl_using bind unbind restore' -s o -l only -d 'Only the named devices, not their whole groups'
complete -c vfioctl -n '__vfioctl_using bind unbind restore' -s n -l dry-run -d 'Print the plan, change nothing'
complete -c vfioctl -n '__vfioctl_using bind unbind restore' -s f -l force -d 'Go on despite devices in use'
complete -c vfioctl -n '__vfioctl_using bind unbind restore' -a '(__vfioctl_devices)'

# apply [--config FILE] [--dry-run] [--force] | --early; status [--config FILE]
complete -c vfioctl -n '__vfioctl_using apply status' -s c -l config -r -F -d 'Read FILE instead of the default files'
complete -c vfioctl -n '__vfioctl_using apply' -s n -l dry-run -d 'Print the plan, change nothing'
complete -c vfioctl -n '__vfioctl_using apply' -s f -l force -d 'Go on despite devices in use'
complete -c vfioctl -n '__vfioctl_using apply' -s e -l early -d "The initramfs' binding by address"

# snapshot [--output FILE]
complete -c vfioctl -n '__vfioctl_using snapshot' -s o -l output -r -F -d "Write to FILE ('-': stdout)"

# sriov show [PF] | set [PF] --vfs N ... | vf PF VF ...
set -l nosub '__vfioctl_using sriov; and test -z (__vfioctl_sriov_sub)'
complete -c vfioctl -n $nosub -a show -d 'List SR-IOV PFs and their VFs'
complete -c vfioctl -n $nosub -a set -d 'Create, resize or remove VFs; bind them'
complete -c vfioctl -n $nosub -a vf -d "Set a VF's MAC, VLAN/QoS, trust, spoofchk and link state"
complete -c vfioctl -n '__vfioctl_sriov_using show set vf; and test (__vfioctl_sriov_operands) = 0' -a '(__vfioctl_sriov_pfs)'
complete -c vfioctl -n '__vfioctl_sriov_using vf; and test (__vfioctl_sriov_operands) = 1' -a '(__vfioctl_sriov_vfs)'
complete -c vfioctl -n '__vfioctl_sriov_using set' -s N -l vfs -x -d 'The number of VFs (0 removes them)'
complete -c vfioctl -n '__vfioctl_sriov_using set' -s b -l bind -x -a 'vfio-pci (__vfioctl_drivers)' -d 'Bind the VFs to DRIVER without the host VF driver'
complete -c vfioctl -n '__vfioctl_sriov_using set' -s a -l autoprobe -x -a 'yes no' -d 'sriov_drivers_autoprobe to leave'
complete -c vfioctl -n '__vfioctl_sriov_using set' -s t -l timeout -x -d 'Seconds a sriov_numvfs write may take'
complete -c vfioctl -n '__vfioctl_sriov_using set' -s f -l force -d 'Go on although VFs that go away are in use'
complete -c vfioctl -n '__vfioctl_sriov_using set vf' -s n -l dry-run -d 'Print the plan, write nothing'
complete -c vfioctl -n '__vfioctl_sriov_using set vf' -s p -l persist -d 'Also write it to the configuration'
complete -c vfioctl -n '__vfioctl_sriov_using vf' -s m -l mac -x -d 'Unicast MAC address'
complete -c vfioctl -n '__vfioctl_sriov_using vf' -s V -l vlan -x -d 'VLAN ID 0-4095 (0: none)'
complete -c vfioctl -n '__vfioctl_sriov_using vf' -s q -l qos -x -a '0 1 2 3 4 5 6 7' -d '802.1p priority (with --vlan)'
complete -c vfioctl -n '__vfioctl_sriov_using vf' -s T -l trust -x -a 'on off' -d 'Trusted VF'
complete -c vfioctl -n '__vfioctl_sriov_using vf' -s s -l spoofchk -x -a 'on off' -d 'MAC/VLAN anti-spoofing'
complete -c vfioctl -n '__vfioctl_sriov_using vf' -s S -l state -x -a 'auto enable disable' -d 'VF link state'

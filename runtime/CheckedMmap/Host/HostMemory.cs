// The real memory underneath the checked mappings. Five primitives are enough for guard pages and a quarantine:
// reserve address space inaccessible, make part of it read/write, make part of it inaccessible again with its
// physical pages returned, return the pages of a read/write range, and give a whole reservation back. They always
// use the HOST's numbers, whatever target the checks emulate. The host also says how many map entries (VMAs) a
// process may have and how many this one uses, for the checker's map-entry budget. Where the kernel has lightweight
// guard regions (Linux 6.13+), two more make part of a read/write range fault on access (its pages dropped) and
// accessible again, in the page tables alone: no map entry is split, and the call is cheaper than a protection change.
using System;
using System.Runtime.InteropServices;
using CheckedMmap.Contract;

namespace CheckedMmap.Host
{
    internal abstract class HostMemory
    {
        public static readonly HostMemory Instance = Create();

        /// <summary>The host's page size: the granularity of protection changes.</summary>
        public ulong PageSize { get; } = (ulong)Environment.SystemPageSize;

        /// <summary>A short name for reports ("linux mmap", "windows VirtualAlloc").</summary>
        public abstract string Name { get; }

        /// <summary>Reserves <paramref name="size"/> bytes of inaccessible address space (no physical memory); 0 on failure.</summary>
        public abstract ulong Reserve(ulong size);

        /// <summary>Makes [address, address+size) read/write. Pages that were never touched or were decommitted read as zero.</summary>
        public abstract bool Commit(ulong address, ulong size);

        /// <summary>Makes [address, address+size) inaccessible and returns its physical pages; the range stays reserved.</summary>
        public abstract bool Decommit(ulong address, ulong size);

        /// <summary>Returns the physical pages of a read/write range: it stays read/write and reads as zero.</summary>
        public abstract bool Zero(ulong address, ulong size);

        /// <summary>Gives back a whole reservation made by <see cref="Reserve"/>.</summary>
        public abstract void Release(ulong address, ulong size);

        /// <summary>
        /// True when <see cref="InstallGuards"/> and <see cref="RemoveGuards"/> work: the kernel has lightweight guard
        /// regions and charges read/write ranges to the commit only where that cannot refuse what libc would grant.
        /// </summary>
        public virtual bool HasGuardRegions => false;

        /// <summary>Makes [address, address+size) of a read/write range fault on any access and drops its pages, without
        /// changing map entries. Only where <see cref="HasGuardRegions"/>.</summary>
        public virtual bool InstallGuards(ulong address, ulong size) => false;

        /// <summary>Makes a guarded part of a read/write range accessible again; it reads as zero. Only where <see cref="HasGuardRegions"/>.</summary>
        public virtual bool RemoveGuards(ulong address, ulong size) => false;

        /// <summary>Replaces part of a read/write range by a fresh read/write mapping (zero-filled), which merges back into
        /// the neighbouring map entry that pages moved in or out had split it from. False where the host cannot.</summary>
        public virtual bool Renew(ulong address, ulong size) => false;

        /// <summary>Called before part of a read/write range (the page of <paramref name="address"/>, which is about to be
        /// made inaccessible) splits it, so that the pieces can merge again once the part is read/write again.</summary>
        public virtual void PrepareToSplit(ulong address)
        {
        }

        /// <summary>The most map entries (VMAs) a process may have (vm.max_map_count), or int.MaxValue where the host has no such limit.</summary>
        public virtual int MapEntryLimit => int.MaxValue;

        /// <summary>The process's map entries now, and those of them that overlap <paramref name="ranges"/> (non-overlapping;
        /// sorted in place), in one reading; -1 where the host cannot say.</summary>
        public virtual (int Total, int InRanges) CountMapEntriesIn(System.Collections.Generic.List<(ulong Base, ulong Size)> ranges) => (-1, -1);

        /// <summary>Whether any mapping of the process covers the page of <paramref name="address"/> now (true where the
        /// host cannot say).</summary>
        public virtual bool IsMapped(ulong address) => true;

        /// <summary>
        /// Moves the pages of [from, from+size) to [to, to+size) (both read/write, page-aligned, not overlapping) without
        /// copying them, leaving [from, from+size) mapped, read/write and empty. False when the host cannot (then nothing
        /// changed and the caller copies).
        /// </summary>
        public virtual bool TryMovePages(ulong from, ulong to, ulong size) => false;

        private static HostMemory Create()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return new WindowsHostMemory();
            }

            TargetOS host = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? TargetOS.MacOS
                : RuntimeInformation.IsOSPlatform(OSPlatform.FreeBSD) ? TargetOS.FreeBSD
                : TargetOS.Linux;
            return new PosixHostMemory(MmapConstants.For(host));
        }
    }

    /// <summary>Linux, macOS, FreeBSD: the OS's own mmap/mprotect/munmap.</summary>
    internal sealed unsafe class PosixHostMemory : HostMemory
    {
        private readonly int _reserveFlags;
        private readonly int _fixedReserveFlags;

        public PosixHostMemory(MmapConstants host)
        {
            HostConstants = host;
            // No MAP_NORESERVE: an inaccessible private mapping is not charged to the commit anyway, and without it
            // the kernel charges the read/write part when Commit makes it accessible, under the host's overcommit
            // policy, exactly as it charges a libc mapping of the same length (so ENOMEM comes where libc's would).
            _reserveFlags = MmapConstants.MAP_PRIVATE | host.MapAnonymous;
            _fixedReserveFlags = _reserveFlags | MmapConstants.MAP_FIXED;
            _isLinux = host.Target == TargetOS.Linux;
            _dontNeed = _isLinux && host.TryGetAdvice("MADV_DONTNEED", out int dn) ? dn : -1;
            _mapEntryLimit = _isLinux ? ReadMapEntryLimit() : int.MaxValue;
            _populateWrite = _isLinux && host.TryGetAdvice("MADV_POPULATE_WRITE", out int pw) ? pw : -1;
            _guardInstall = _isLinux && host.TryGetAdvice("MADV_GUARD_INSTALL", out int gi) ? gi : -1;
            _guardRemove = _isLinux && host.TryGetAdvice("MADV_GUARD_REMOVE", out int gr) ? gr : -1;
            _hasGuardRegions = _guardInstall >= 0 && _guardRemove >= 0 && ReadOvercommitPolicy() != StrictOvercommit &&
                !DataSizeLimited() && ProbeGuardRegions();
        }

        private const int StrictOvercommit = 2;

        // Linux's lightweight guard regions (6.13+), from the contract's advice table like MADV_DONTNEED.
        private readonly int _guardInstall;
        private readonly int _guardRemove;
        private readonly bool _hasGuardRegions;

        private readonly int _populateWrite;

        // Under strict overcommit (vm.overcommit_memory = 2) every read/write byte is charged to a fixed limit, and a range
        // kept read/write for guard regions would charge guard pages and quarantined mappings too: ENOMEM could come
        // before libc's. The protection-change layout charges exactly the accessible bytes, so it is kept there.
        public override bool HasGuardRegions => _hasGuardRegions;

        public override bool InstallGuards(ulong address, ulong size) =>
            madvise((nint)address, (nuint)size, _guardInstall) == 0;

        public override bool RemoveGuards(ulong address, ulong size) =>
            madvise((nint)address, (nuint)size, _guardRemove) == 0;

        // Linux merges neighbouring read/write ranges only if they share one anonymous-memory identity (anon_vma),
        // which a range gets at its first write fault. A range split before any write gives each piece its own at
        // their first writes, and they never merge again: faulting in the page being unmapped for writing
        // (MADV_POPULATE_WRITE, Linux 5.14+: no byte changes, and an error instead of a fault where it cannot) gives
        // the whole range its identity before the split; the page is dropped right after.
        public override void PrepareToSplit(ulong address)
        {
            if (_populateWrite >= 0)
            {
                _ = madvise((nint)address, (nuint)PageSize, _populateWrite);
            }
        }

        // A fresh anonymous mapping's page offset follows its address, as the chunk's own does, so it merges with it.
        public override bool Renew(ulong address, ulong size) =>
            mmap((nint)address, (nuint)size, MmapConstants.PROT_READ_WRITE, _fixedReserveFlags, -1, 0) == (nint)address;

        private bool ProbeGuardRegions()
        {
            ulong size = 2 * PageSize;
            nint p = mmap(0, (nuint)size, MmapConstants.PROT_READ_WRITE, _reserveFlags, -1, 0);
            if (p == -1)
            {
                return false;
            }

            bool ok = InstallGuards((ulong)p, PageSize) && RemoveGuards((ulong)p, PageSize);
            _ = munmap(p, (nuint)size);
            return ok;
        }

        // A limit on the data segment (ulimit -d, RLIMIT_DATA) counts every private writable byte, and a guard-region
        // chunk's read/write part, guard pages and quarantined mappings included, would reach it long before libc's
        // mappings do. The protection-change layout counts only the accessible bytes.
        private static bool DataSizeLimited()
        {
            const int RLIMIT_DATA = 2; // Linux, every architecture .NET runs on
            return IntPtr.Size != 8 || getrlimit(RLIMIT_DATA, out RLimit limit) != 0 || limit.Current != ulong.MaxValue;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct RLimit
        {
            public ulong Current;
            public ulong Maximum;
        }

        [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
        private static extern int getrlimit(int resource, out RLimit limit);

        // Unknown: keep the layout that charges exactly.
        private static int ReadOvercommitPolicy() => ReadKernelSetting("/proc/sys/vm/overcommit_memory", StrictOvercommit);

        private readonly bool _isLinux;
        private readonly int _dontNeed;
        private readonly int _mapEntryLimit;

        public MmapConstants HostConstants { get; }

        public override string Name => HostConstants.Target.ToString() + " mmap";

        public override ulong Reserve(ulong size)
        {
            nint p = mmap(0, (nuint)size, MmapConstants.PROT_NONE, _reserveFlags, -1, 0);
            return p == -1 ? 0 : (ulong)p;
        }

        public override bool Commit(ulong address, ulong size) =>
            mprotect((nint)address, (nuint)size, MmapConstants.PROT_READ_WRITE) == 0;

        public override bool Decommit(ulong address, ulong size)
        {
            // A fresh PROT_NONE mapping in place: one syscall, drops the pages, and merges with the neighbouring
            // guard pages into one VMA (vm.max_map_count).
            nint p = mmap((nint)address, (nuint)size, MmapConstants.PROT_NONE, _fixedReserveFlags, -1, 0);
            if (p == (nint)address)
            {
                return true;
            }

            // Fallback (e.g. the VMA limit refused the new mapping): inaccessible first, then drop the pages.
            if (mprotect((nint)address, (nuint)size, MmapConstants.PROT_NONE) != 0)
            {
                return false;
            }

            if (HostConstants.TryGetAdvice("MADV_DONTNEED", out int dontNeed))
            {
                _ = madvise((nint)address, (nuint)size, dontNeed);
            }

            return true;
        }

        public override bool Zero(ulong address, ulong size)
        {
            // Linux: MADV_DONTNEED drops private anonymous pages (they read as zero again) without touching the VMA.
            if (_dontNeed >= 0)
            {
                if (madvise((nint)address, (nuint)size, _dontNeed) == 0)
                {
                    return true;
                }

                // Locked pages (mlock, mlockall) cannot be dropped, and a fresh mapping in their place would not be
                // locked, splitting the range: they are cleared in place (they stay resident, as locked memory does).
                if (Marshal.GetLastPInvokeError() == MmapConstants.EINVAL)
                {
                    NativeMemory.Clear((void*)(nint)address, (nuint)size);
                    return true;
                }
            }

            // Elsewhere a fresh read/write mapping in place: one syscall, zero-filled, merges with its neighbours.
            return Renew(address, size);
        }

        public override void Release(ulong address, ulong size) => _ = munmap((nint)address, (nuint)size);

        public override int MapEntryLimit => _mapEntryLimit;

        public override (int Total, int InRanges) CountMapEntriesIn(System.Collections.Generic.List<(ulong Base, ulong Size)> ranges)
        {
            if (!_isLinux)
            {
                return (-1, -1);
            }

            // One line of /proc/self/maps per VMA, "low-high perms …": read in a fixed buffer with no strings (it may run
            // at 65,000 lines), the two hexadecimal bounds parsed as the bytes go by.
            ranges.Sort((x, y) => x.Base.CompareTo(y.Base));
            int total = 0;
            int inRanges = 0;
            try
            {
                using var f = new System.IO.FileStream("/proc/self/maps", System.IO.FileMode.Open, System.IO.FileAccess.Read, System.IO.FileShare.ReadWrite, 1, System.IO.FileOptions.None);
                byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
                try
                {
                    const int Low = 0, High = 1, Rest = 2;
                    int field = Low;
                    ulong low = 0, high = 0;
                    int n;
                    while ((n = f.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        for (int i = 0; i < n; i++)
                        {
                            byte b = buffer[i];
                            if (field == Rest)
                            {
                                if (b == (byte)'\n')
                                {
                                    total++;
                                    field = Low;
                                    low = high = 0;
                                }
                            }
                            else if (field == Low)
                            {
                                if (b == (byte)'-')
                                {
                                    field = High;
                                }
                                else
                                {
                                    low = (low << 4) | HexDigit(b);
                                }
                            }
                            else if (b == (byte)' ')
                            {
                                field = Rest;
                                if (Overlaps(ranges, low, high))
                                {
                                    inRanges++;
                                }
                            }
                            else
                            {
                                high = (high << 4) | HexDigit(b);
                            }
                        }
                    }

                    return (field == Rest ? total + 1 : total, inRanges);
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
            }
            catch (System.IO.IOException)
            {
                return (-1, -1);
            }
            catch (UnauthorizedAccessException)
            {
                return (-1, -1);
            }
        }

        private static uint HexDigit(byte b) => b <= (byte)'9' ? (uint)(b - '0') : (uint)((b | 0x20) - 'a' + 10);

        // Sorted, non-overlapping ranges: the last one starting below high is the only one that can overlap [low, high).
        private static bool Overlaps(System.Collections.Generic.List<(ulong Base, ulong Size)> ranges, ulong low, ulong high)
        {
            int lo = 0, hi = ranges.Count - 1, found = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (ranges[mid].Base < high)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return found >= 0 && ranges[found].Base + ranges[found].Size > low;
        }

        private static int ReadMapEntryLimit()
        {
            const int KernelDefault = 65530;
            int n = ReadKernelSetting("/proc/sys/vm/max_map_count", KernelDefault);
            return n > 0 ? n : KernelDefault;
        }

        /// <summary>A non-negative integer from /proc/sys, or <paramref name="fallback"/> where it cannot be read.</summary>
        private static int ReadKernelSetting(string path, int fallback)
        {
            try
            {
                string text = System.IO.File.ReadAllText(path).Trim();
                return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) ? n : fallback;
            }
            catch (System.IO.IOException)
            {
                return fallback;
            }
            catch (UnauthorizedAccessException)
            {
                return fallback;
            }
        }

        // Linux ≥ 5.7: mremap(MAYMOVE|FIXED|DONTUNMAP) moves the page-table entries to the new slot, so a checked mremap
        // costs what the kernel's own move costs instead of a fault and a zero-fill per page plus a copy and a free.
        // The source stays mapped (empty), so no hole ever opens in a chunk for another mmap to land in.
        private volatile bool _moveUnsupported;

        public override bool TryMovePages(ulong from, ulong to, ulong size)
        {
            if (_moveUnsupported || HostConstants.Target != TargetOS.Linux)
            {
                return false;
            }

            nint p = mremap((nint)from, (nuint)size, (nuint)size,
                MmapConstants.MREMAP_MAYMOVE | MmapConstants.MREMAP_FIXED | MmapConstants.MREMAP_DONTUNMAP, (nint)to);
            if (p == (nint)to)
            {
                return true;
            }

            // EINVAL: a kernel without MREMAP_DONTUNMAP (or without it for this kind of mapping): stop asking. Other
            // errors (EFAULT: the range spans several VMAs on a kernel that moves one at a time) fail this call only.
            if (Marshal.GetLastPInvokeError() == MmapConstants.EINVAL)
            {
                _moveUnsupported = true;
            }

            return false;
        }

        // msync of one page fails with ENOMEM exactly when no mapping covers it (MS_ASYNC is 1 on Linux, macOS and FreeBSD).
        public override bool IsMapped(ulong address)
        {
            const int MS_ASYNC = 1;
            ulong page = address & ~(PageSize - 1);
            return msync((nint)page, (nuint)PageSize, MS_ASYNC) == 0 || Marshal.GetLastPInvokeError() != MmapConstants.ENOMEM;
        }

        [DllImport("libc", EntryPoint = "msync", SetLastError = true)]
        private static extern int msync(nint addr, nuint length, int flags);

        [DllImport("libc", EntryPoint = "mremap", SetLastError = true)]
        private static extern nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, nint newAddress);

        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        private static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

        [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        private static extern int mprotect(nint addr, nuint length, int prot);

        [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
        private static extern int madvise(nint addr, nuint length, int advice);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        private static extern int munmap(nint addr, nuint length);
    }

    /// <summary>Windows fallback so tests still run there: VirtualAlloc reserve/commit, VirtualFree decommit/release.</summary>
    internal sealed class WindowsHostMemory : HostMemory
    {
        private const uint MEM_COMMIT = 0x1000;
        private const uint MEM_RESERVE = 0x2000;
        private const uint MEM_DECOMMIT = 0x4000;
        private const uint MEM_RELEASE = 0x8000;
        private const uint PAGE_NOACCESS = 0x01;
        private const uint PAGE_READWRITE = 0x04;

        public override string Name => "Windows VirtualAlloc";

        public override ulong Reserve(ulong size) => (ulong)VirtualAlloc(0, (nuint)size, MEM_RESERVE, PAGE_NOACCESS);

        public override bool Commit(ulong address, ulong size) =>
            VirtualAlloc((nint)address, (nuint)size, MEM_COMMIT, PAGE_READWRITE) == (nint)address;

        // Decommitted pages of a reservation are inaccessible and their storage is returned.
        public override bool Decommit(ulong address, ulong size) => VirtualFree((nint)address, (nuint)size, MEM_DECOMMIT);

        public override bool Zero(ulong address, ulong size) => Decommit(address, size) && Commit(address, size);

        public override void Release(ulong address, ulong size) => _ = VirtualFree((nint)address, 0, MEM_RELEASE);

        [DllImport("kernel32", SetLastError = true)]
        private static extern nint VirtualAlloc(nint address, nuint size, uint allocationType, uint protect);

        [DllImport("kernel32", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool VirtualFree(nint address, nuint size, uint freeType);
    }
}

// The checked implementation behind Mman: Miri's checks (Contract), a registry of live and quarantined mappings
// (an address-ordered tree, O(log n)), guard pages and a FIFO quarantine (SlotAllocator), all under one lock.
// Every call validates completely before it changes anything, so a call that fails or throws changes nothing.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Host;

namespace CheckedMmap.Registry
{
    /// <summary>The layout-affecting settings, replaced as a whole (readers take one snapshot per call).</summary>
    internal sealed class RuntimeSettings
    {
        public RuntimeSettings(TargetOS target, ulong forcedPageSize, bool guardPages)
        {
            Target = target;
            ForcedPageSize = forcedPageSize;
            GuardPages = guardPages;
            Constants = MmapConstants.For(target);
            PageSize = forcedPageSize != 0 ? forcedPageSize
                : MmapConstants.DefaultPageSize(target, RuntimeInformation.ProcessArchitecture == Architecture.Arm64);
        }

        public TargetOS Target { get; }
        public ulong ForcedPageSize { get; }
        public bool GuardPages { get; }
        public MmapConstants Constants { get; }
        public ulong PageSize { get; }

        public RuntimeSettings With(TargetOS? target = null, ulong? forcedPageSize = null, bool? guardPages = null) =>
            new RuntimeSettings(target ?? Target, forcedPageSize ?? ForcedPageSize, guardPages ?? GuardPages);

        public bool SameLayout(RuntimeSettings other) =>
            Target == other.Target && PageSize == other.PageSize && GuardPages == other.GuardPages;
    }

    internal static class MmapRuntime
    {
        private static readonly object Gate = new object();
        private static readonly AddressTree Tree = new AddressTree();
        private static readonly SlotAllocator Slots = new SlotAllocator(HostMemory.Instance);
        private static readonly Queue<MappingInfo> Quarantine = new Queue<MappingInfo>();
        private static readonly ulong IsizeMax = (ulong)nint.MaxValue;

        private static volatile RuntimeSettings _current = new RuntimeSettings(CheckedMmapOptions.HostTarget, 0, true);
        private static ulong _quarantineBytes;
        private static int _liveCount;
        private static ulong _liveBytes;
        private static long _lastId;
        private static long _evictions;
        private static ulong _movedBytes;

        static MmapRuntime()
        {
            Slots.Configure(_current.PageSize, _current.GuardPages);
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }

        public static RuntimeSettings Current => _current;

        public static ulong QuarantineMaxBytes { get; private set; } = CheckedMmapOptions.DefaultQuarantineMaxBytes;

        public static int QuarantineMaxCount { get; private set; } = CheckedMmapOptions.DefaultQuarantineMaxCount;

        public static StackCaptureMode StackCapture { get; set; } = StackCaptureMode.Methods;

        public static bool LeakCheckAtExit { get; set; }

        // ------------------------------------------------------------------ configuration

        public static void Reconfigure(Func<RuntimeSettings, RuntimeSettings> change, string what)
        {
            lock (Gate)
            {
                RuntimeSettings next = change(_current);
                if (next.SameLayout(_current))
                {
                    _current = next;
                    return;
                }

                if (_liveCount > 0)
                {
                    throw new CheckedMmapConfigurationException(string.Format(CultureInfo.InvariantCulture,
                        "CheckedMmap cannot change {0} while {1} mapping(s) are live ({2}); munmap them first (MmapTracker.LiveMappings() lists them).",
                        what, _liveCount, LiveNamesLocked(5)));
                }

                EvictLocked(0, 0);
                Slots.Configure(next.PageSize, next.GuardPages);
                _current = next;
            }
        }

        public static void SetQuarantineBounds(ulong maxBytes, int maxCount)
        {
            lock (Gate)
            {
                QuarantineMaxBytes = maxBytes;
                QuarantineMaxCount = maxCount;
                EvictLocked(maxBytes, maxCount);
            }
        }

        // ------------------------------------------------------------------ mmap

        public static ulong Mmap(ulong addr, ulong length, int prot, int flags, int fd, long offset, in CallerSite site = default)
        {
            // Saved first: loading settings or capturing a stack (PDB lookups) may touch errno; a success must not.
            int savedPInvoke = Marshal.GetLastPInvokeError();
            int savedSystem = Marshal.GetLastSystemError();
            CheckedMmapOptions.EnsureLoaded();
            RuntimeSettings s = _current;
            MmapCheckInfo? failure = MmapChecks.FirstMmapFailure(length, prot, flags, fd, offset, s.Constants, s.PageSize, IsizeMax, out ulong mapLength);
            if (failure != null)
            {
                if (failure.Outcome == CheckOutcome.Errno)
                {
                    SetErrno(failure.Errno);
                    return ulong.MaxValue;
                }

                throw new UnsupportedMmapException(failure.Message, string.Format(CultureInfo.InvariantCulture,
                    "mmap({0}, {1}, {2}, {3}, {4}, {5})", MmapMessages.Hex(addr), length, MmapConstants.FormatProt(prot),
                    s.Constants.FormatFlags(flags), fd, offset));
            }

            StackTrace? created = StackRendering.CaptureCreation(StackCapture);
            lock (Gate)
            {
                if (!ReferenceEquals(s, _current))
                {
                    s = _current;
                    if (!MmapChecks.TryRoundUpToPageSize(length, s.PageSize, IsizeMax, out mapLength))
                    {
                        SetErrno(MmapConstants.EINVAL);
                        return ulong.MaxValue;
                    }
                }

                MappingInfo? m = CreateLocked(mapLength, s, "mmap", created, site);
                if (m == null)
                {
                    // Miri would stop with "resource exhaustion"; the host's answer is more useful to an allocator.
                    SetErrno(MmapConstants.ENOMEM);
                    return ulong.MaxValue;
                }

                RestoreErrno(savedPInvoke, savedSystem);
                return m.Start;
            }
        }

        // ------------------------------------------------------------------ munmap

        public static int Munmap(ulong addr, ulong length, in CallerSite site = default)
        {
            // Saved first: loading settings or capturing a stack (PDB lookups) may touch errno; a success must not.
            int savedPInvoke = Marshal.GetLastPInvokeError();
            int savedSystem = Marshal.GetLastSystemError();
            CheckedMmapOptions.EnsureLoaded();
            RuntimeSettings s = _current;
            if (!MmapChecks.IsPageAligned(addr, s.PageSize) || !MmapChecks.TryRoundUpToPageSize(length, s.PageSize, IsizeMax, out ulong rounded))
            {
                SetErrno(MmapConstants.EINVAL);
                return -1;
            }

            StackTrace? destroyed = StackRendering.CaptureDestruction(StackCapture);
            lock (Gate)
            {
                MappingInfo m = ResolveForDeallocLocked(addr, new CallText("munmap", addr, length), reallocating: false);
                if (rounded != m.SizeBytes)
                {
                    throw Ub(UndefinedBehaviorKind.IncorrectLayout,
                        MmapMessages.IncorrectLayout(m.Name, m.SizeBytes, m.AlignmentBytes, rounded, s.PageSize),
                        Op("munmap", addr, length), addr, m);
                }

                if (!Slots.Decommit(m.Slot))
                {
                    // The host could not make the range inaccessible (e.g. vm.max_map_count): nothing changed.
                    SetErrno(MmapConstants.ENOMEM);
                    return -1;
                }

                RetireLocked(m, "munmap", destroyed, site);
                RestoreErrno(savedPInvoke, savedSystem);
                return 0;
            }
        }

        // ------------------------------------------------------------------ mremap

        public static unsafe ulong Mremap(ulong oldAddr, ulong oldSize, ulong newSize, int flags, in CallerSite site = default)
        {
            // Saved first: loading settings or capturing a stack (PDB lookups) may touch errno; a success must not.
            int savedPInvoke = Marshal.GetLastPInvokeError();
            int savedSystem = Marshal.GetLastSystemError();
            CheckedMmapOptions.EnsureLoaded();
            RuntimeSettings s = _current;
            if (!s.Constants.HasMremap)
            {
                throw new UnsupportedMmapException(MmapMessages.MremapNotOnTarget, MremapOp(oldAddr, oldSize, newSize, flags));
            }

            if (!MmapChecks.IsPageAligned(oldAddr, s.PageSize) || newSize == 0)
            {
                SetErrno(MmapConstants.EINVAL);
                return ulong.MaxValue;
            }

            if ((flags & MmapConstants.MREMAP_FIXED) != 0)
            {
                throw new UnsupportedMmapException(MmapMessages.MremapFixed, MremapOp(oldAddr, oldSize, newSize, flags));
            }

            if ((flags & MmapConstants.MREMAP_DONTUNMAP) != 0)
            {
                throw new UnsupportedMmapException(MmapMessages.MremapDontUnmap, MremapOp(oldAddr, oldSize, newSize, flags));
            }

            if ((flags & MmapConstants.MREMAP_MAYMOVE) == 0)
            {
                SetErrno(MmapConstants.EINVAL);
                return ulong.MaxValue;
            }

            // One walk: the new mapping's creation stack is also the old one's destruction stack (the same call).
            StackTrace? stack = StackRendering.CaptureCreation(StackCapture);
            StackTrace? oldDestroyed = stack;
            lock (Gate)
            {
                MappingInfo old = ResolveForDeallocLocked(oldAddr, new CallText("mremap", oldAddr, oldSize, newSize, flags), reallocating: true);

                // rustc's reallocate_ptr: allocate, copy min(old, new) bytes (a bounds-checked read), then deallocate
                // with the given old size. Checked here before anything is allocated.
                ulong copy = oldSize < newSize ? oldSize : newSize;
                if (copy > old.SizeBytes)
                {
                    throw Ub(UndefinedBehaviorKind.OutOfBounds,
                        MmapMessages.OutOfBoundsAccess(copy, MmapMessages.Pointer(oldAddr, old.Id), old.SizeBytes),
                        MremapOp(oldAddr, oldSize, newSize, flags), oldAddr, old);
                }

                if (oldSize != old.SizeBytes)
                {
                    throw Ub(UndefinedBehaviorKind.IncorrectLayout,
                        MmapMessages.IncorrectLayout(old.Name, old.SizeBytes, old.AlignmentBytes, oldSize, s.PageSize),
                        MremapOp(oldAddr, oldSize, newSize, flags), oldAddr, old);
                }

                MappingInfo? fresh = CreateLocked(newSize, s, "mremap", stack, site);
                if (fresh == null)
                {
                    SetErrno(MmapConstants.ENOMEM);
                    return ulong.MaxValue;
                }

                // Whole host pages move (page tables only); a partial last page is copied, so that the bytes past the
                // old size read as zero in the new block even if something wrote past the old size inside that page.
                ulong movable = copy / Slots.HostPage * Slots.HostPage;
                bool moved = movable != 0 && Slots.TryMovePages(old.Slot, fresh.Slot, movable);
                ulong copied = moved ? movable : 0;
                if (moved)
                {
                    _movedBytes += movable;
                }

                Buffer.MemoryCopy((void*)(nint)(oldAddr + copied), (void*)(nint)(fresh.Start + copied), copy - copied, copy - copied);
                if (!Slots.Decommit(old.Slot))
                {
                    if (moved)
                    {
                        // The old block is still mapped read/write (the decommit failed) but empty: put the data back.
                        Buffer.MemoryCopy((void*)(nint)fresh.Start, (void*)(nint)oldAddr, movable, movable);
                    }

                    // Undo the new block: the old one stays live and untouched.
                    _ = Slots.Decommit(fresh.Slot);
                    Tree.Remove(fresh);
                    _liveCount--;
                    _liveBytes -= fresh.SizeBytes;
                    fresh.State = MappingState.Released;
                    Slots.Free(fresh.Slot);
                    SetErrno(MmapConstants.ENOMEM);
                    return ulong.MaxValue;
                }

                RetireLocked(old, "mremap", oldDestroyed, site);
                RestoreErrno(savedPInvoke, savedSystem);
                return fresh.Start;
            }
        }

        // ------------------------------------------------------------------ mprotect / madvise

        public static int Mprotect(ulong addr, ulong length, int prot)
        {
            // Saved first: loading settings or capturing a stack (PDB lookups) may touch errno; a success must not.
            int savedPInvoke = Marshal.GetLastPInvokeError();
            int savedSystem = Marshal.GetLastSystemError();
            CheckedMmapOptions.EnsureLoaded();
            RuntimeSettings s = _current;
            if (!MmapChecks.IsPageAligned(addr, s.PageSize))
            {
                SetErrno(MmapConstants.EINVAL);
                return -1;
            }

            if (!MmapChecks.ReadWriteProtection(prot))
            {
                throw new UnsupportedMmapException(MmapMessages.Protections, string.Format(CultureInfo.InvariantCulture,
                    "mprotect({0}, {1}, {2})", MmapMessages.Hex(addr), length, MmapConstants.FormatProt(prot)));
            }

            int rc = CheckRange(addr, length, s, MmapMessages.MprotectOutOfBounds, "mprotect", MmapConstants.FormatProt(prot));
            if (rc == 0)
            {
                RestoreErrno(savedPInvoke, savedSystem);
            }

            return rc;
        }

        public static int Madvise(ulong addr, ulong length, int advice)
        {
            // Saved first: loading settings or capturing a stack (PDB lookups) may touch errno; a success must not.
            int savedPInvoke = Marshal.GetLastPInvokeError();
            int savedSystem = Marshal.GetLastSystemError();
            CheckedMmapOptions.EnsureLoaded();
            RuntimeSettings s = _current;
            if (!MmapChecks.IsPageAligned(addr, s.PageSize))
            {
                SetErrno(MmapConstants.EINVAL);
                return -1;
            }

            if (!MmapChecks.IsSupportedAdvice(advice))
            {
                throw new UnsupportedMmapException(MmapMessages.MadviseAdvice, string.Format(CultureInfo.InvariantCulture,
                    "madvise({0}, {1}, {2})", MmapMessages.Hex(addr), length, s.Constants.FormatAdvice(advice)));
            }

            int rc = CheckRange(addr, length, s, MmapMessages.MadviseOutOfBounds, "madvise", s.Constants.FormatAdvice(advice));
            if (rc == 0)
            {
                RestoreErrno(savedPInvoke, savedSystem);
            }

            return rc;
        }

        // Miri: round (ENOMEM on failure), then check_ptr_access(addr, rounded) rewritten to UB; the call itself is a no-op
        // (RW is the only protection, the four advice values change nothing).
        private static int CheckRange(ulong addr, ulong length, RuntimeSettings s, string outOfBounds, string fn, string third)
        {
            if (!MmapChecks.TryRoundUpToPageSize(length, s.PageSize, IsizeMax, out ulong rounded))
            {
                SetErrno(MmapConstants.ENOMEM);
                return -1;
            }

            if (rounded == 0)
            {
                return 0;
            }

            lock (Gate)
            {
                MappingInfo? m = addr == 0 ? null : Tree.Floor(addr);
                if (m != null && addr - m.Start >= m.SizeBytes)
                {
                    m = null;
                }

                if (m == null || m.State != MappingState.Live || rounded > m.SizeBytes - (addr - m.Start))
                {
                    throw Ub(UndefinedBehaviorKind.OutOfBounds, outOfBounds,
                        string.Format(CultureInfo.InvariantCulture, "{0}({1}, {2}, {3})", fn, MmapMessages.Hex(addr), length, third), addr, m);
                }
            }

            return 0;
        }

        // ------------------------------------------------------------------ registry queries

        public static List<MappingInfo> Snapshot(bool liveOnly)
        {
            var all = new List<MappingInfo>();
            lock (Gate)
            {
                Tree.CopyTo(all);
            }

            if (liveOnly)
            {
                all.RemoveAll(m => m.State != MappingState.Live);
            }

            all.Sort((a, b) => a.Id.CompareTo(b.Id));
            return all;
        }

        public static MappingInfo? Find(ulong address)
        {
            lock (Gate)
            {
                MappingInfo? m = Tree.Floor(address);
                return m != null && address - m.Start < m.SizeBytes ? m : null;
            }
        }

        public static int LiveCount => _liveCount;

        public static ulong LiveBytes => _liveBytes;

        public static int QuarantinedCount => Quarantine.Count;

        public static ulong QuarantinedBytes => _quarantineBytes;

        public static long LastId => System.Threading.Interlocked.Read(ref _lastId);

        /// <summary>Bytes mremap moved by page-table moves instead of copying (tests check the fast path is taken).</summary>
        public static ulong MovedBytes
        {
            get
            {
                lock (Gate)
                {
                    return _movedBytes;
                }
            }
        }

        public static long Evictions => System.Threading.Interlocked.Read(ref _evictions);

        public static int ChunkCount
        {
            get
            {
                lock (Gate)
                {
                    return Slots.ChunkCount;
                }
            }
        }

        public static void FlushQuarantine()
        {
            lock (Gate)
            {
                EvictLocked(0, 0);
            }
        }

        // ------------------------------------------------------------------ internals

        private static MappingInfo? CreateLocked(ulong size, RuntimeSettings s, string createdBy, StackTrace? created, in CallerSite site)
        {
            if (!Slots.TryAllocate(Slots.RoundToHostPage(size), out Slot slot))
            {
                // A full quarantine may hold the address space the host needs: give it back and try once more, but
                // only when that could help (an impossible request must not wipe the use-after-munmap history).
                if (Quarantine.Count == 0 || _quarantineBytes < size)
                {
                    return null;
                }

                EvictLocked(0, 0);
                if (!Slots.TryAllocate(Slots.RoundToHostPage(size), out slot))
                {
                    return null;
                }
            }

            var m = new MappingInfo(++_lastId, slot.Address, size, s.PageSize, createdBy, created, site) { Slot = slot };
            Tree.Insert(m);
            _liveCount++;
            _liveBytes += size;
            return m;
        }

        private static void RetireLocked(MappingInfo m, string destroyedBy, StackTrace? destroyed, in CallerSite site)
        {
            m.DestroyedAt = site;
            System.Threading.Thread t = System.Threading.Thread.CurrentThread;
            m.DestroyedBy = destroyedBy;
            m.DestructionStackTrace = destroyed;
            m.DestroyedThreadId = t.ManagedThreadId;
            m.DestroyedThreadName = t.Name;
            m.State = MappingState.Quarantined;
            _liveCount--;
            _liveBytes -= m.SizeBytes;
            Quarantine.Enqueue(m);
            _quarantineBytes += m.Slot.Bytes;
            EvictLocked(QuarantineMaxBytes, QuarantineMaxCount);
        }

        private static void EvictLocked(ulong maxBytes, int maxCount)
        {
            while (Quarantine.Count > 0 && (Quarantine.Count > maxCount || _quarantineBytes > maxBytes))
            {
                MappingInfo m = Quarantine.Dequeue();
                _quarantineBytes -= m.Slot.Bytes;
                Tree.Remove(m);
                m.State = MappingState.Released;
                Slots.Free(m.Slot);
                _evictions++;
            }
        }

        // rustc's deallocate_ptr / reallocate_ptr pointer checks, in order: a pointer to some allocation (null /
        // no provenance), offset 0, still live. The layout check is the caller's (it differs between the two).
        private static MappingInfo ResolveForDeallocLocked(ulong addr, CallText call, bool reallocating)
        {
            if (addr == 0)
            {
                throw Ub(UndefinedBehaviorKind.NullPointer, MmapMessages.NullPointer, call.ToString(), addr, null);
            }

            MappingInfo? m = Tree.Floor(addr);
            if (m == null || addr - m.Start >= m.SizeBytes)
            {
                throw Ub(UndefinedBehaviorKind.DanglingNoProvenance, MmapMessages.DanglingNoProvenance(addr), call.ToString(), addr, null);
            }

            if (m.Start != addr)
            {
                string ptr = MmapMessages.Pointer(addr, m.Id);
                throw Ub(UndefinedBehaviorKind.NotAtBeginning,
                    reallocating ? MmapMessages.ReallocNotAtBeginning(ptr) : MmapMessages.DeallocNotAtBeginning(ptr), call.ToString(), addr, m);
            }

            if (m.State != MappingState.Live)
            {
                throw Ub(UndefinedBehaviorKind.Freed, MmapMessages.Freed(m.Name), call.ToString(), addr, m);
            }

            return m;
        }

        /// <summary>The call's text for a report, built only when something is reported (no allocation per call).</summary>
        private readonly struct CallText
        {
            private readonly string _fn;
            private readonly ulong _addr;
            private readonly ulong _a;
            private readonly ulong _b;
            private readonly int _flags;
            private readonly bool _isMremap;

            public CallText(string fn, ulong addr, ulong length)
            {
                _fn = fn;
                _addr = addr;
                _a = length;
                _b = 0;
                _flags = 0;
                _isMremap = false;
            }

            public CallText(string fn, ulong addr, ulong oldSize, ulong newSize, int flags)
            {
                _fn = fn;
                _addr = addr;
                _a = oldSize;
                _b = newSize;
                _flags = flags;
                _isMremap = true;
            }

            public override string ToString() => _isMremap ? MremapOp(_addr, _a, _b, _flags) : Op(_fn, _addr, _a);
        }

        private static UndefinedBehaviorException Ub(UndefinedBehaviorKind kind, string message, string op, ulong addr, MappingInfo? m) =>
            new UndefinedBehaviorException(kind, message, op, addr, m, new StackTrace(2, true));

        private static string Op(string fn, ulong addr, ulong length) =>
            string.Format(CultureInfo.InvariantCulture, "{0}({1}, {2})", fn, MmapMessages.Hex(addr), length);

        private static string MremapOp(ulong addr, ulong oldSize, ulong newSize, int flags) =>
            string.Format(CultureInfo.InvariantCulture, "mremap({0}, {1}, {2}, {3})", MmapMessages.Hex(addr), oldSize, newSize, MmapConstants.FormatMremapFlags(flags));

        private static string LiveNamesLocked(int max)
        {
            var list = new List<MappingInfo>();
            Tree.CopyTo(list);
            var sb = new StringBuilder();
            int n = 0;
            foreach (MappingInfo m in list)
            {
                if (m.State != MappingState.Live)
                {
                    continue;
                }

                if (n == max)
                {
                    sb.Append(", ...");
                    break;
                }

                if (n > 0)
                {
                    sb.Append(", ");
                }

                sb.Append(m.Name);
                n++;
            }

            return sb.ToString();
        }

        internal static void SetErrno(int errno)
        {
            Marshal.SetLastPInvokeError(errno);
            Marshal.SetLastSystemError(errno);
        }

        private static void RestoreErrno(int pinvoke, int system)
        {
            Marshal.SetLastPInvokeError(pinvoke);
            Marshal.SetLastSystemError(system);
        }

        private static void OnProcessExit(object? sender, EventArgs e)
        {
            if (!LeakCheckAtExit)
            {
                return;
            }

            if (!Reports.LeakReports.ReportAtExit())
            {
                return;
            }

            if (Environment.ExitCode == 0)
            {
                Environment.ExitCode = 1;
            }
        }
    }
}

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
using CheckedMmap.Reports;

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

    [System.Diagnostics.StackTraceHidden] // an exception's stack starts at the user's call (Mman is hidden too)
    internal static class MmapRuntime
    {
        private static readonly object Gate = new object();
        private static readonly MappingRegistry Registry = new MappingRegistry(HostMemory.Instance);
        private static readonly ulong IsizeMax = (ulong)nint.MaxValue;

        private static volatile RuntimeSettings _current = new RuntimeSettings(RuntimeConfiguration.HostTarget, 0, true);
        private static ulong _movedBytes;
        private static volatile System.IO.TextWriter? _reportWriter;

        static MmapRuntime()
        {
            Registry.Configure(_current.PageSize);
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }

        /// <summary>The settings in force, after the environment was applied (the first call applies it).</summary>
        public static RuntimeSettings Current
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return _current;
            }
        }

        public static ulong QuarantineMaxBytes => Registry.QuarantineMaxBytes;

        public static int QuarantineMaxCount => Registry.QuarantineMaxCount;

        public static int EvictedHistoryCapacity => Registry.EvictedHistoryCapacity;

        public static int MapEntryHeadroom => Registry.Budget.Headroom;

        public static StackCaptureMode StackCapture { get; set; } = StackCaptureMode.Methods;

        /// <summary>Frames recorded per stack below CheckedMmap's own (0: all).</summary>
        public static int StackDepth { get; set; } = RuntimeConfiguration.DefaultStackDepth;

        public static bool LeakCheckAtExit { get; set; }

        /// <summary>The JSON-lines file every report is appended to; null for none.</summary>
        public static string? ReportFile { get; set; }

        /// <summary>Replaces where reports go; null goes back to standard error.</summary>
        public static System.IO.TextWriter? ReportWriterOverride
        {
            set => _reportWriter = value;
        }

        /// <summary>Where CheckedMmap's own reports and notes go (default: the process's standard error, not Console.Error).</summary>
        public static System.IO.TextWriter ReportWriter => _reportWriter ?? Reports.ProcessStandardError.Writer;

        // ------------------------------------------------------------------ configuration

        /// <summary>Applies a whole parsed configuration (the environment's), layout first: a refused layout changes nothing.</summary>
        public static void Apply(SettingValues v)
        {
            lock (Gate)
            {
                Reconfigure(_ => new RuntimeSettings(v.Target, v.ForcedPageSize, v.GuardPages), "the environment's target, page size or guard pages");
                Registry.SetBounds(v.QuarantineMaxBytes, v.QuarantineMaxCount, v.EvictedHistory, v.MapEntryHeadroom);
                StackCapture = v.Stacks;
                StackDepth = v.StackDepth;
                LeakCheckAtExit = v.LeakCheckAtExit;
                ReportFile = v.ReportFile;
            }

            if (v.FaultReports)
            {
                FaultReporter.TryInstall();
            }
        }

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

                if (Registry.LiveCount > 0)
                {
                    throw new CheckedMmapConfigurationException(string.Format(CultureInfo.InvariantCulture,
                        "CheckedMmap cannot change {0} while {1} mapping(s) are live ({2}); munmap them first (MmapTracker.LiveMappings() lists them).",
                        what, Registry.LiveCount, LiveNamesLocked(5)));
                }

                Registry.Configure(next.PageSize);
                _current = next;
            }
        }

        public static void SetQuarantineBounds(ulong? maxBytes = null, int? maxCount = null, int? evictedHistory = null, int? mapEntryHeadroom = null)
        {
            lock (Gate)
            {
                Registry.SetBounds(maxBytes ?? Registry.QuarantineMaxBytes, maxCount ?? Registry.QuarantineMaxCount,
                    evictedHistory ?? Registry.EvictedHistoryCapacity, mapEntryHeadroom ?? Registry.Budget.Headroom);
            }
        }

        // ------------------------------------------------------------------ the entry points' one setup step

        /// <summary>errno as the caller left it: a successful call must not change it (loading settings or capturing
        /// a stack may touch it, so it is saved first).</summary>
        private readonly struct SavedErrno
        {
            private readonly int _pinvoke;
            private readonly int _system;

            private SavedErrno(int pinvoke, int system)
            {
                _pinvoke = pinvoke;
                _system = system;
            }

            public static SavedErrno Save() => new SavedErrno(Marshal.GetLastPInvokeError(), Marshal.GetLastSystemError());

            public void Restore()
            {
                Marshal.SetLastPInvokeError(_pinvoke);
                Marshal.SetLastSystemError(_system);
            }
        }

        /// <summary>Tests only: runs after a call's checks and before it takes the lock, where another thread's settings
        /// change may land (so that the re-check under the lock can be tested deterministically).</summary>
        internal static volatile Action? AfterChecksForTests;

        /// <summary>Saves errno, applies the environment on first use, and takes the settings snapshot the call checks
        /// with. Under the lock the call goes on only if the snapshot is still current, else it checks again.</summary>
        private static RuntimeSettings Enter(out SavedErrno saved)
        {
            saved = SavedErrno.Save();
            RuntimeConfiguration.EnsureLoaded();
            return _current;
        }

        // ------------------------------------------------------------------ mmap

        public static ulong Mmap(ulong addr, ulong length, int prot, int flags, int fd, long offset, in CallerSite site = default)
        {
            RuntimeSettings s = Enter(out SavedErrno saved);
            CapturedStack? created = null;
            bool captured = false;
            while (true)
            {
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

                if (!captured)
                {
                    created = StackRendering.CaptureCreation(StackCapture, StackDepth);
                    captured = true;
                }

                AfterChecksForTests?.Invoke();
                lock (Gate)
                {
                    if (ReferenceEquals(s, _current))
                    {
                        MappingInfo? m = Registry.Create(mapLength, s.GuardPages, s.PageSize, "mmap", created, site);
                        SayBudgetNoteLocked();
                        if (m == null)
                        {
                            // Miri would stop with "resource exhaustion"; the host's answer is more useful to an allocator.
                            SetErrno(MmapConstants.ENOMEM);
                            return ulong.MaxValue;
                        }

                        saved.Restore();
                        return m.Start;
                    }

                    s = _current; // the settings changed since the checks: check again with the new ones
                }
            }
        }

        // ------------------------------------------------------------------ munmap

        public static int Munmap(ulong addr, ulong length, in CallerSite site = default)
        {
            RuntimeSettings s = Enter(out SavedErrno saved);
            CapturedStack? destroyed = null;
            bool captured = false;
            while (true)
            {
                if (!MmapChecks.IsPageAligned(addr, s.PageSize) || !MmapChecks.TryRoundUpToPageSize(length, s.PageSize, IsizeMax, out ulong rounded))
                {
                    SetErrno(MmapConstants.EINVAL);
                    return -1;
                }

                if (!captured)
                {
                    destroyed = StackRendering.CaptureDestruction(StackCapture, StackDepth);
                    captured = true;
                }

                AfterChecksForTests?.Invoke();
                lock (Gate)
                {
                    if (!ReferenceEquals(s, _current))
                    {
                        s = _current;
                        continue;
                    }

                    MappingInfo m = ResolveForDeallocLocked(addr, new CallText("munmap", addr, length), reallocating: false);
                    if (rounded != m.SizeBytes)
                    {
                        throw Ub(UndefinedBehaviorKind.IncorrectLayout,
                            MmapMessages.IncorrectLayout(m.Name, m.SizeBytes, m.AlignmentBytes, rounded, s.PageSize),
                            Op("munmap", addr, length), addr, m);
                    }

                    bool retired = Registry.Retire(m, "munmap", destroyed, site);
                    SayBudgetNoteLocked();
                    if (!retired)
                    {
                        // The host could not make the range inaccessible: nothing changed.
                        SetErrno(MmapConstants.ENOMEM);
                        return -1;
                    }

                    saved.Restore();
                    return 0;
                }
            }
        }

        // ------------------------------------------------------------------ mremap

        public static unsafe ulong Mremap(ulong oldAddr, ulong oldSize, ulong newSize, int flags, in CallerSite site = default)
        {
            RuntimeSettings s = Enter(out SavedErrno saved);
            CapturedStack? stack = null;
            bool captured = false;
            while (true)
            {
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
                if (!captured)
                {
                    stack = StackRendering.CaptureMove(StackCapture, StackDepth);
                    captured = true;
                }

                CapturedStack? oldDestroyed = stack;
                AfterChecksForTests?.Invoke();
                lock (Gate)
                {
                    if (!ReferenceEquals(s, _current))
                    {
                        s = _current;
                        continue;
                    }

                    ulong result = MremapLocked(oldAddr, oldSize, newSize, flags, s, stack, oldDestroyed, site);
                    SayBudgetNoteLocked();
                    if (result != ulong.MaxValue)
                    {
                        saved.Restore();
                    }

                    return result;
                }
            }
        }

        private static unsafe ulong MremapLocked(ulong oldAddr, ulong oldSize, ulong newSize, int flags, RuntimeSettings s, CapturedStack? stack, CapturedStack? oldDestroyed, in CallerSite site)
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

            MappingInfo? fresh = Registry.Create(newSize, s.GuardPages, s.PageSize, "mremap", stack, site);
            if (fresh == null)
            {
                SetErrno(MmapConstants.ENOMEM);
                return ulong.MaxValue;
            }

            // Whole host pages move (page tables only); a partial last page is copied, so that the bytes past the
            // old size read as zero in the new block even if something wrote past the old size inside that page.
            ulong hostPage = Registry.Slots.HostPage;
            ulong movable = copy / hostPage * hostPage;
            bool moved = movable != 0 && Registry.TryMovePages(old, fresh, movable);
            ulong copied = moved ? movable : 0;
            Buffer.MemoryCopy((void*)(nint)(oldAddr + copied), (void*)(nint)(fresh.Start + copied), copy - copied, copy - copied);
            if (!Registry.Retire(old, "mremap", oldDestroyed, site))
            {
                // The old block is still live and read/write: put back what moved, and take the new block back.
                if (moved)
                {
                    Buffer.MemoryCopy((void*)(nint)fresh.Start, (void*)(nint)oldAddr, movable, movable);
                }

                Registry.Undo(fresh);
                SetErrno(MmapConstants.ENOMEM);
                return ulong.MaxValue;
            }

            if (moved)
            {
                _movedBytes += movable;
            }

            return fresh.Start;
        }

        // ------------------------------------------------------------------ mprotect / madvise

        public static int Mprotect(ulong addr, ulong length, int prot)
        {
            RuntimeSettings s = Enter(out SavedErrno saved);
            if (!MmapChecks.ReadWriteProtection(prot))
            {
                // Checked after alignment, as Miri does: an unaligned address is EINVAL whatever the protection.
                if (!MmapChecks.IsPageAligned(addr, s.PageSize))
                {
                    SetErrno(MmapConstants.EINVAL);
                    return -1;
                }

                throw new UnsupportedMmapException(MmapMessages.Protections, string.Format(CultureInfo.InvariantCulture,
                    "mprotect({0}, {1}, {2})", MmapMessages.Hex(addr), length, MmapConstants.FormatProt(prot)));
            }

            return CheckRange(addr, length, s, saved, MmapMessages.MprotectOutOfBounds, "mprotect", MmapConstants.FormatProt(prot));
        }

        public static int Madvise(ulong addr, ulong length, int advice)
        {
            RuntimeSettings s = Enter(out SavedErrno saved);
            if (!MmapChecks.IsSupportedAdvice(advice))
            {
                if (!MmapChecks.IsPageAligned(addr, s.PageSize))
                {
                    SetErrno(MmapConstants.EINVAL);
                    return -1;
                }

                throw new UnsupportedMmapException(MmapMessages.MadviseAdvice, string.Format(CultureInfo.InvariantCulture,
                    "madvise({0}, {1}, {2})", MmapMessages.Hex(addr), length, s.Constants.FormatAdvice(advice)));
            }

            return CheckRange(addr, length, s, saved, MmapMessages.MadviseOutOfBounds, "madvise", s.Constants.FormatAdvice(advice));
        }

        // Miri: aligned address (EINVAL), round (ENOMEM on failure), then check_ptr_access(addr, rounded) rewritten to
        // UB; the call itself is a no-op (RW is the only protection, the four advice values change nothing).
        private static int CheckRange(ulong addr, ulong length, RuntimeSettings s, SavedErrno saved, string outOfBounds, string fn, string third)
        {
            while (true)
            {
                if (!MmapChecks.IsPageAligned(addr, s.PageSize))
                {
                    SetErrno(MmapConstants.EINVAL);
                    return -1;
                }

                if (!MmapChecks.TryRoundUpToPageSize(length, s.PageSize, IsizeMax, out ulong rounded))
                {
                    SetErrno(MmapConstants.ENOMEM);
                    return -1;
                }

                if (rounded == 0)
                {
                    saved.Restore();
                    return 0;
                }

                AfterChecksForTests?.Invoke();
                lock (Gate)
                {
                    if (!ReferenceEquals(s, _current))
                    {
                        s = _current;
                        continue;
                    }

                    MappingInfo? m = addr == 0 ? null : Registry.Find(addr);
                    if (m == null || m.State != MappingState.Live || rounded > m.SizeBytes - (addr - m.Start))
                    {
                        throw Ub(UndefinedBehaviorKind.OutOfBounds, outOfBounds,
                            string.Format(CultureInfo.InvariantCulture, "{0}({1}, {2}, {3})", fn, MmapMessages.Hex(addr), length, third), addr, m);
                    }
                }

                saved.Restore();
                return 0;
            }
        }

        // ------------------------------------------------------------------ registry queries

        /// <summary>The live mappings leak checks count, oldest first: all but those exempted (MappingInfo.IsLeakIgnored).</summary>
        public static List<MappingInfo> LeakCandidates()
        {
            var live = new List<MappingInfo>();
            lock (Gate)
            {
                Registry.CopyLeakCandidatesTo(live);
            }

            live.Sort((a, b) => a.Id.CompareTo(b.Id));
            return live;
        }

        /// <summary>
        /// Exempts the live mapping that starts at <paramref name="address"/> from leak checks or, with
        /// <paramref name="ignored"/> false, counts it again as a mapping of the calling flow's leak scopes. False when
        /// no CheckedMmap mapping holds the address; an error message when it is not the start of a live one.
        /// </summary>
        public static bool SetLeakIgnored(ulong address, bool ignored, out string? error)
        {
            lock (Gate)
            {
                error = null;
                MappingInfo? m = Registry.Find(address);
                if (m is null)
                {
                    return false;
                }

                if (m.State != MappingState.Live || m.Start != address)
                {
                    error = MmapMessages.Hex(address) + (m.State != MappingState.Live ? " is in " + m.Name + ", which is no longer mapped"
                        : " is inside " + m.Name + ", which starts at " + MmapMessages.Hex(m.Start));
                    return false;
                }

                if (!ignored)
                {
                    m.Scope = LeakScope.Current;
                }

                Registry.SetLeakIgnored(m, ignored);
                return true;
            }
        }

        public static List<MappingInfo> Snapshot(bool liveOnly)
        {
            var all = new List<MappingInfo>();
            lock (Gate)
            {
                Registry.CopyTo(all);
            }

            if (liveOnly)
            {
                all.RemoveAll(m => m.State != MappingState.Live);
            }

            all.Sort((a, b) => a.Id.CompareTo(b.Id));
            return all;
        }

        /// <summary>The live or quarantined mapping containing <paramref name="address"/>, or null.</summary>
        public static MappingInfo? Find(ulong address)
        {
            lock (Gate)
            {
                return Registry.Find(address);
            }
        }

        /// <summary>
        /// For reports (a fault, a late double munmap): the live or quarantined mapping containing
        /// <paramref name="address"/>, else the most recently evicted one that did (State == Released, with its creation
        /// and destruction history), from the bounded history of evicted mappings; null when none is known.
        /// </summary>
        public static MappingInfo? FindIncludingEvicted(ulong address)
        {
            lock (Gate)
            {
                return Registry.FindIncludingEvicted(address);
            }
        }

        /// <summary>
        /// For the fault reporter: as <see cref="FindIncludingEvicted"/>, but an evicted mapping only while its address is
        /// still inside the checker's own reservations (an evicted guarded slot stays inaccessible there until reused, so
        /// a fault in it is a stale access; a range given back to the OS may belong to someone else by now).
        /// </summary>
        public static MappingInfo? FindForFault(ulong address)
        {
            lock (Gate)
            {
                MappingInfo? m = Registry.FindIncludingEvicted(address, onlyStillReserved: true);
                if (m != null)
                {
                    return m;
                }

                // An evicted mapping whose range went back to the system: a fault there is a use of it only while nothing
                // else maps that address now (a thread stack's or the GC's reservation there is not ours to explain).
                m = Registry.FindIncludingEvicted(address);
                return m is { State: MappingState.Released } && !HostMemory.Instance.IsMapped(address) ? m : null;
            }
        }

        /// <summary>The evicted mappings still remembered, oldest first.</summary>
        public static List<MappingInfo> EvictedHistory()
        {
            var all = new List<MappingInfo>();
            lock (Gate)
            {
                Registry.CopyEvictedTo(all);
            }

            return all;
        }

        public static MmapStatistics Statistics()
        {
            lock (Gate)
            {
                MapEntryBudget b = Registry.Budget;
                return new MmapStatistics(
                    liveMappings: Registry.LiveCount,
                    guardedLiveMappings: Registry.GuardedLiveCount,
                    quarantinedMappings: Registry.QuarantinedCount,
                    quarantinedAddressSpace: Registry.QuarantinedBytes,
                    evictions: Registry.Evictions,
                    evictionsForMapEntries: Registry.EvictionsForMapEntries,
                    releasedWithoutQuarantine: Registry.ReleasedWithoutQuarantine,
                    unguardedByBudget: Registry.UnguardedByBudget,
                    evictedHistoryCount: Registry.EvictedHistoryCount,
                    mapEntryLimit: b.IsLimited ? b.Limit : -1,
                    mapEntryHeadroom: b.Headroom,
                    checkerMapEntries: Registry.Slots.Entries,
                    checkerMapEntryLimit: b.IsLimited ? b.CheckerLimit : -1,
                    processMapEntries: b.ProcessEntriesAtLastCount,
                    budgetReached: Registry.BudgetReached,
                    guardRegions: Registry.Slots.UsesGuardRegions);
            }
        }

        public static int LiveCount => Registry.LiveCount;

        public static ulong LiveBytes => Registry.LiveBytes;

        public static int QuarantinedCount => Registry.QuarantinedCount;

        public static ulong QuarantinedBytes => Registry.QuarantinedBytes;

        public static long LastId
        {
            get
            {
                lock (Gate)
                {
                    return Registry.LastId;
                }
            }
        }

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

        public static long Evictions
        {
            get
            {
                lock (Gate)
                {
                    return Registry.Evictions;
                }
            }
        }

        public static int ChunkCount
        {
            get
            {
                lock (Gate)
                {
                    return Registry.Slots.ChunkCount;
                }
            }
        }

        /// <summary>The checker's count of its map entries and, read at the same moment, the entries of /proc/self/maps
        /// that lie in its reservations (Linux; -1 elsewhere).</summary>
        internal static (int Counted, int Real) MapEntriesForTests()
        {
            lock (Gate)
            {
                var ranges = new List<(ulong Base, ulong Size)>();
                Registry.Slots.CopyReservations(ranges);
                return (Registry.Slots.Entries, HostMemory.Instance.CountMapEntriesIn(ranges).InRanges);
            }
        }

        internal static int UnsureMapEntryChangesForTests
        {
            get
            {
                lock (Gate)
                {
                    return Registry.Slots.UnsureChanges;
                }
            }
        }

        public static void FlushQuarantine()
        {
            lock (Gate)
            {
                Registry.EvictToBounds(0, 0);
            }
        }

        // ------------------------------------------------------------------ internals

        private static void SayBudgetNoteLocked()
        {
            if (!Registry.TakeBudgetNote())
            {
                return;
            }

            MapEntryBudget b = Registry.Budget;
            try
            {
                System.IO.TextWriter w = ReportWriter;
                w.WriteLine(string.Format(CultureInfo.InvariantCulture,
                    "==CheckedMmap== note: map-entry budget reached ({0} entries for the checker: vm.max_map_count {1} less {2} kept for the runtime and the program, " +
                    "less {3} in use by them; guarded mappings use at most {4}, the rest is kept for unguarded ones and quarantined holes). From now on new " +
                    "mappings get guard pages of their own only while there is room (the others merge, as libc's do), and quarantined ranges that hold map " +
                    "entries are released oldest first; MmapTracker.Statistics counts both. A larger vm.max_map_count keeps more guard pages.",
                    b.CheckerLimit, b.Limit, b.Headroom, b.OtherEntries, b.CheckerLimit - (b.CheckerLimit / 8)));
                w.Flush();
            }
            catch (Exception e) when (e is System.IO.IOException || e is ObjectDisposedException)
            {
                // A note must never fail the call it comes from.
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

            // A mapping evicted from the quarantine is still named from the history of evicted mappings (Miri keeps
            // the provenance of a freed allocation: "has been freed", not "no provenance").
            MappingInfo? m = Registry.FindIncludingEvicted(addr);
            if (m == null)
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

        // The whole stack: reports leave CheckedMmap's frames out, however many inlining left (skipping a fixed count
        // would drop the caller's frame once the entry point is inlined into it).
        private static UndefinedBehaviorException Ub(UndefinedBehaviorKind kind, string message, string op, ulong addr, MappingInfo? m) =>
            new UndefinedBehaviorException(kind, message, op, addr, m, new StackTrace(0, true));

        private static string Op(string fn, ulong addr, ulong length) =>
            string.Format(CultureInfo.InvariantCulture, "{0}({1}, {2})", fn, MmapMessages.Hex(addr), length);

        private static string MremapOp(ulong addr, ulong oldSize, ulong newSize, int flags) =>
            string.Format(CultureInfo.InvariantCulture, "mremap({0}, {1}, {2}, {3})", MmapMessages.Hex(addr), oldSize, newSize, MmapConstants.FormatMremapFlags(flags));

        private static string LiveNamesLocked(int max)
        {
            var list = new List<MappingInfo>();
            Registry.CopyTo(list);
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

        private static int _exitLeakCheckDone;
        private static volatile bool _exitLeaksReported;

        /// <summary>
        /// The leak check of <see cref="LeakCheckAtExit"/>, once per process: at process exit, or earlier when the test
        /// platform says the test run is over (it ends the test host about 100 ms later, before a report with file:line
        /// stacks may be finished). The report this call printed, or null (no leaks, the check off or done already); after a
        /// report the process exits with 1.
        /// </summary>
        /// <summary>The leak check at exit, once per process; <paramref name="print"/> false when the caller delivers the
        /// report itself (as a test result) and it goes to the report file only.</summary>
        public static string? RunExitLeakCheck(bool processExit, bool print = true)
        {
            if (!LeakCheckAtExit || System.Threading.Interlocked.Exchange(ref _exitLeakCheckDone, 1) != 0)
            {
                return null;
            }

            string? report = Reports.LeakReports.ReportAtExit(processExit, print);
            _exitLeaksReported = report != null;
            return report;
        }

        private static void OnProcessExit(object? sender, EventArgs e)
        {
            RunExitLeakCheck(processExit: true);
            if (_exitLeaksReported && Environment.ExitCode == 0)
            {
                Environment.ExitCode = 1;
            }
        }
    }
}

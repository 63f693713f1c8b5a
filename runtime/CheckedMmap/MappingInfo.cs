using System.Diagnostics;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Registry;
using CheckedMmap.Reports;

namespace CheckedMmap
{
    /// <summary>Where a mapping is in its life.</summary>
    public enum MappingState
    {
        /// <summary>Mapped and read/write.</summary>
        Live,

        /// <summary>Unmapped (or moved by mremap): kept reserved and inaccessible, so any use faults.</summary>
        Quarantined,

        /// <summary>Unmapped and evicted from the quarantine: its addresses may be reused.</summary>
        Released,
    }

    /// <summary>
    /// One checked mapping (Miri's "allocation"): its id and name ("alloc3"), address, size, and where and on which
    /// thread it was created and destroyed. The object is the registry's own record, so it shows the current state.
    /// </summary>
    public sealed class MappingInfo
    {
        internal MappingInfo(long id, ulong start, ulong size, ulong alignment, string createdBy, CapturedStack? created, in CallerSite createdAt)
        {
            CreatedAt = createdAt;
            Id = id;
            Start = start;
            SizeBytes = size;
            AlignmentBytes = alignment;
            CreatedBy = createdBy;
            CreationCapture = created;
            System.Threading.Thread t = System.Threading.Thread.CurrentThread;
            CreatedThreadId = t.ManagedThreadId;
            CreatedThreadName = t.Name;
            Scope = LeakScope.Current;
        }

        // ---- registry internals ----
        internal readonly ulong Start;
        internal readonly ulong SizeBytes;
        internal readonly ulong AlignmentBytes;
        private Slot _slot;

        /// <summary>Where the mapping lives; setting it to another reservation also widens the fault pre-handler's watched
        /// range to that whole reservation (updating the slot's counts in place does not ask again).</summary>
        internal Slot Slot
        {
            get => _slot;
            set
            {
                Slot old = _slot;
                _slot = value;
                if (value.Chunk != null)
                {
                    if (value.Chunk != old.Chunk)
                    {
                        Host.FaultReporter.WatchReservation(value.Chunk.Base, value.Chunk.Size);
                    }
                }
                else if (value.ReservationSize != 0 && (old.Chunk != null || value.ReservationBase != old.ReservationBase))
                {
                    Host.FaultReporter.WatchReservation(value.ReservationBase, value.ReservationSize);
                }
            }
        }

        /// <summary>True when <paramref name="address"/> lies in the reservation (chunk or own) this mapping was carved from.</summary>
        internal bool SameReservation(ulong address)
        {
            Slot s = _slot;
            if (s.Chunk != null)
            {
                return !s.Chunk.Released && address - s.Chunk.Base < s.Chunk.Size;
            }

            return s.ReservationSize != 0 && address - s.ReservationBase < s.ReservationSize;
        }
        internal MappingInfo? TreeLeft;
        internal MappingInfo? TreeRight;
        internal int TreeHeight;
        internal CallerSite CreatedAt;
        internal CallerSite DestroyedAt;

        /// <summary>The leak scope of the flow of execution that created the mapping, or that took it back from a pool's
        /// cache (<see cref="MmapTracker.UnignoreLeak"/>); null outside any scope.</summary>
        internal volatile LeakScope? Scope;

        /// <summary>The last Undefined Behavior or fault report whose subject this mapping was, and the leak scope of the
        /// flow that made it (a leak check of that scope points to the report instead of repeating its stacks).</summary>
        internal volatile ReportedMark? Reported;

        /// <summary>A leak check (a scope's, or AssertNoLeaks) already reported this mapping in an MmapLeakException: the
        /// check at exit names it in one line instead of repeating its stacks.</summary>
        internal volatile bool LeakReported;

        /// <summary>Notes that an exception of type <paramref name="exception"/> raised in the current flow carries
        /// <paramref name="report"/>, whose subject this mapping is.</summary>
        internal void NoteCarriedBy(FinishedReport report, string exception) => Reported = new ReportedMark(report.Kind, exception, LeakScope.Current);

        /// <summary>The allocation id, as in Miri's "alloc3".</summary>
        public long Id { get; }

        /// <summary>"alloc3".</summary>
        public string Name => MmapMessages.AllocName(Id);

        /// <summary>The address mmap (or mremap) returned.</summary>
        public nint Address => (nint)Start;

        /// <summary>
        /// The allocation's size as Miri sees it: the page-rounded length for mmap, the exact new size for mremap.
        /// munmap must pass a length that rounds to exactly this.
        /// </summary>
        public nuint Size => (nuint)SizeBytes;

        /// <summary>The alignment (the emulated page size when it was created).</summary>
        public nuint Alignment => (nuint)AlignmentBytes;

        /// <summary>Live, quarantined or released.</summary>
        public MappingState State { get; internal set; }

        /// <summary>True while mapped.</summary>
        public bool IsLive => State == MappingState.Live;

        /// <summary>
        /// True while <see cref="MmapTracker.IgnoreLeak"/> exempts the mapping from leak checks (a pool's cached mapping,
        /// kept on purpose across tests): leak scopes and the leak check at exit do not count it until
        /// <see cref="MmapTracker.UnignoreLeak"/>.
        /// </summary>
        public bool IsLeakIgnored { get; internal set; }

        /// <summary>"mmap" or "mremap".</summary>
        public string CreatedBy { get; }

        /// <summary>"munmap" or "mremap" once destroyed; null while live.</summary>
        public string? DestroyedBy { get; internal set; }

        /// <summary>Managed thread id of the creating thread.</summary>
        public int CreatedThreadId { get; }

        /// <summary>Name of the creating thread, if it had one.</summary>
        public string? CreatedThreadName { get; }

        /// <summary>Managed thread id of the destroying thread; 0 while live.</summary>
        public int DestroyedThreadId { get; internal set; }

        /// <summary>Name of the destroying thread, if it had one.</summary>
        public string? DestroyedThreadName { get; internal set; }

        /// <summary>The captured creation stack (null when capture is off).</summary>
        /// <remarks>A methods-only capture records the runtime's walk; its frames are made on the first read and then kept.</remarks>
        public StackTrace? CreationStackTrace => CreationCapture?.Trace;

        /// <summary>The captured destruction stack (null while live or when capture is off).</summary>
        public StackTrace? DestructionStackTrace => DestructionCapture?.Trace;

        internal CapturedStack? CreationCapture { get; }

        internal CapturedStack? DestructionCapture { get; set; }

        /// <summary>
        /// Where the creating call (<c>mmap</c> or <c>mremap</c>) was made in source, recorded through the caller-info
        /// parameters at no cost; null for callers compiled without them (e.g. through a delegate or reflection).
        /// </summary>
        public CallSite? CreationCallSite => CreatedAt.ToCallSite(CreatedBy);

        /// <summary>Where the destroying call (<c>munmap</c> or <c>mremap</c>) was made in source; null while live.</summary>
        public CallSite? DestructionCallSite => State == MappingState.Live ? null : DestroyedAt.ToCallSite(DestroyedBy!);

        /// <summary>
        /// The creation history rendered: the call site (file:line) when known, then the captured stack (the user's frames;
        /// CheckedMmap's own, the runtime's plumbing and test frameworks' frames are left out and counted) or a line
        /// saying why there is none.
        /// </summary>
        public string CreationStack => StackRendering.Render(CreationCallSite, CreationCapture);

        /// <summary>
        /// The destruction history rendered, or null while live: the call site of munmap/mremap with file:line (always
        /// recorded, at no cost), then the destruction stack (taken in every mode but <see cref="StackCaptureMode.None"/>).
        /// </summary>
        public string? DestructionStack => State == MappingState.Live ? null : StackRendering.Render(DestructionCallSite, DestructionCapture);

        /// <summary>"alloc3 [0x7f0000001000, 0x7f0000003000) 8192 bytes, live".</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} [{1}, {2}) {3} bytes, {4}",
            Name, MmapMessages.Hex(Start), MmapMessages.Hex(Start + SizeBytes), SizeBytes, State.ToString().ToLowerInvariant());

        /// <summary>
        /// ASan-style history: "alloc3 was created by mmap on thread 1 here:" and the stack, then, once destroyed,
        /// "alloc3 was destroyed by munmap on thread 4 here:" and that stack.
        /// </summary>
        public string Describe()
        {
            var sb = new StringBuilder();
            sb.Append(Reports.MappingDescription.Shape(this)).Append(", ").AppendLine(Reports.MappingDescription.State(this));
            Reports.MappingDescription.AppendHistory(sb, this);
            return sb.ToString();
        }
    }
}

namespace CheckedMmap
{
    /// <summary>
    /// Where in source a CheckedMmap function was called: filled in by the compiler through the caller-info parameters
    /// of <see cref="Mman"/>'s functions (compile-time literals: no run-time cost).
    /// </summary>
    public sealed class CallSite
    {
        internal CallSite(string function, string member, string filePath, int line)
        {
            Function = function;
            Member = member;
            FilePath = filePath;
            Line = line;
        }

        /// <summary>The CheckedMmap function called: "munmap", "mremap", ...</summary>
        public string Function { get; }

        /// <summary>The calling member as the compiler names it ("Dispose", ".ctor", "Main").</summary>
        public string Member { get; }

        /// <summary>The calling source file, as the compiler saw it (may be mapped by PathMap).</summary>
        public string FilePath { get; }

        /// <summary>The line of the call.</summary>
        public int Line { get; }

        /// <summary>"munmap called at /src/Arena.cs:line 41 (in Dispose)".</summary>
        public override string ToString() => Function + " called at " + FilePath + ":line "
            + Line.ToString(CultureInfo.InvariantCulture) + (Member.Length == 0 ? string.Empty : " (in " + Member + ")");
    }
}

namespace CheckedMmap.Registry
{
    /// <summary>The caller-info arguments of one call, carried without allocation until a report needs them.</summary>
    internal readonly struct CallerSite
    {
        public CallerSite(string? member, string? file, int line)
        {
            Member = member;
            File = file;
            Line = line;
        }

        public string? Member { get; }

        public string? File { get; }

        public int Line { get; }

        public bool IsKnown => !string.IsNullOrEmpty(File) && Line > 0;

        public CallSite? ToCallSite(string function) => IsKnown ? new CallSite(function, Member ?? string.Empty, File!, Line) : null;
    }
}

namespace CheckedMmap.Reports
{
    /// <summary>A report made about a mapping and carried by an exception: its kind ("buffer overflow"), the exception's
    /// type name, and the leak scope of the flow it was made in.</summary>
    internal sealed record ReportedMark(string Kind, string Exception, LeakScope? Scope);
}

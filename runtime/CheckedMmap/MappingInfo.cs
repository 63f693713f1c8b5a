using System.Diagnostics;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Registry;

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
        internal MappingInfo(long id, ulong start, ulong size, ulong alignment, string createdBy, StackTrace? created)
        {
            Id = id;
            Start = start;
            SizeBytes = size;
            AlignmentBytes = alignment;
            CreatedBy = createdBy;
            CreationStackTrace = created;
            System.Threading.Thread t = System.Threading.Thread.CurrentThread;
            CreatedThreadId = t.ManagedThreadId;
            CreatedThreadName = t.Name;
        }

        // ---- registry internals ----
        internal readonly ulong Start;
        internal readonly ulong SizeBytes;
        internal readonly ulong AlignmentBytes;
        internal Slot Slot;
        internal MappingInfo? TreeLeft;
        internal MappingInfo? TreeRight;
        internal int TreeHeight;

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
        public StackTrace? CreationStackTrace { get; }

        /// <summary>The captured destruction stack (null while live or when capture is off).</summary>
        public StackTrace? DestructionStackTrace { get; internal set; }

        /// <summary>The creation stack rendered (the user's frames; CheckedMmap's own are left out).</summary>
        public string CreationStack => StackRendering.Render(CreationStackTrace);

        /// <summary>The destruction stack rendered, or null while live.</summary>
        public string? DestructionStack => State == MappingState.Live ? null : StackRendering.Render(DestructionStackTrace);

        /// <summary>"alloc3 [0x7f0000001000, 0x7f0000003000) 8192 bytes, live".</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} [{1}, {2}) {3} bytes, {4}",
            Name, MmapMessages.Hex(Start), MmapMessages.Hex(Start + SizeBytes), SizeBytes, State.ToString().ToLowerInvariant());

        /// <summary>
        /// ASan-style history: a summary line (size, range, state, creating and destroying call and thread), then
        /// "alloc3 was created here:" + stack and, once destroyed, "alloc3 was destroyed here:" + stack.
        /// </summary>
        public string Describe()
        {
            var sb = new StringBuilder();
            AppendHistory(sb);
            return sb.ToString();
        }

        internal void AppendHistory(StringBuilder sb)
        {
            sb.Append(Name).Append(" is a ").Append(SizeBytes.ToString(CultureInfo.InvariantCulture)).Append("-byte mapping at [")
              .Append(MmapMessages.Hex(Start)).Append(", ").Append(MmapMessages.Hex(Start + SizeBytes)).Append("), ")
              .Append(State == MappingState.Live ? "live" : State == MappingState.Quarantined ? "freed (quarantined)" : "freed (released)")
              .Append("; created by ").Append(CreatedBy).Append(" on ").Append(ThreadText(CreatedThreadId, CreatedThreadName));
            if (State != MappingState.Live)
            {
                sb.Append(", destroyed by ").Append(DestroyedBy).Append(" on ").Append(ThreadText(DestroyedThreadId, DestroyedThreadName));
            }

            sb.AppendLine();
            sb.Append(Name).AppendLine(" was created here:");
            sb.Append(CreationStack);
            if (State != MappingState.Live)
            {
                sb.Append(Name).AppendLine(" was destroyed here:");
                sb.Append(DestructionStack);
            }
        }

        internal static string ThreadText(int id, string? name) =>
            "thread " + id.ToString(CultureInfo.InvariantCulture) + (name == null ? string.Empty : " \"" + name + "\"");
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;
using CheckedMmap.Reports;

namespace CheckedMmap
{
    /// <summary>
    /// A call Miri reports as "unsupported operation" (file-backed, MAP_FIXED, protections other than RW, other flags,
    /// a non-zero offset, MREMAP_FIXED/DONTUNMAP, other madvise advice). <see cref="MiriMessage"/> is Miri's text with
    /// "CheckedMmap" in place of "Miri"; <see cref="Message"/> is the whole report (so test runners show all of it).
    /// </summary>
    public class UnsupportedMmapException : NotSupportedException
    {
        private readonly StackTrace _site = new StackTrace(0, true); // reports leave CheckedMmap's frames out
        private readonly int _threadId = Environment.CurrentManagedThreadId;
        private readonly string? _threadName = System.Threading.Thread.CurrentThread.Name;
        private FinishedReport? _report;

        /// <summary>Creates the exception with Miri's text.</summary>
        public UnsupportedMmapException(string message)
            : base(message)
        {
            Operation = string.Empty;
            ReportSink.Record(Finished);
        }

        /// <summary>Creates the exception with Miri's text and the function that raised it.</summary>
        public UnsupportedMmapException(string message, string operation)
            : base(message)
        {
            Operation = operation ?? string.Empty;
            ReportSink.Record(Finished);
        }

        /// <summary>Creates the exception with Miri's text and an inner exception.</summary>
        public UnsupportedMmapException(string message, Exception innerException)
            : base(message, innerException)
        {
            Operation = string.Empty;
            ReportSink.Record(Finished);
        }

        /// <summary>The function and arguments, e.g. "mmap(0x0, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)".</summary>
        public string Operation { get; }

        /// <summary>Miri's text ("CheckedMmap does not support …"), as the analyzer's messages quote it.</summary>
        public string MiriMessage => base.Message;

        /// <summary>The whole report (<see cref="Report"/>).</summary>
        public override string Message => Report;

        /// <summary>
        /// "==CheckedMmap== ERROR: unsupported call: mmap(…) on thread N", Miri's "unsupported operation: …" text, the
        /// call's stack, Miri's help line and a SUMMARY line.
        /// </summary>
        public string Report => Finished.Text;

        internal FinishedReport Finished => _report ??= Build();

        private FinishedReport Build()
        {
            string fn = Operation.Length == 0 ? "call" : Operation.Substring(0, Math.Max(0, Operation.IndexOf('(')));
            var b = new ReportBuilder(ReportCategory.Unsupported, "unsupported " + (fn.Length == 0 ? "call" : fn),
                Operation.Length == 0 ? MiriMessage : Operation, ReportBuilder.Thread(_threadId, _threadName));
            b.Line(MmapMessages.UnsupportedHeader + MiriMessage);
            b.Stack(StackRendering.Render(_site));
            b.Help(MmapMessages.UnsupportedHelp);
            return b.Finish();
        }
    }

    /// <summary>What kind of Undefined Behavior was detected.</summary>
    public enum UndefinedBehaviorKind
    {
        /// <summary>munmap/mremap of a null pointer.</summary>
        NullPointer,

        /// <summary>An address in no mapping and no quarantine: "a dangling pointer (it has no provenance)".</summary>
        DanglingNoProvenance,

        /// <summary>munmap/mremap of an address inside a mapping but not at its start.</summary>
        NotAtBeginning,

        /// <summary>munmap/mremap of a mapping already unmapped (double munmap, or after mremap moved it).</summary>
        Freed,

        /// <summary>munmap/mremap with a size that does not match the mapping (partial or oversized unmap).</summary>
        IncorrectLayout,

        /// <summary>An access past the end of a mapping (mremap's copy, mprotect, madvise).</summary>
        OutOfBounds,
    }

    /// <summary>
    /// A call Miri reports as Undefined Behavior. <see cref="MiriMessage"/> is Miri's exact text; <see cref="Message"/>
    /// (what test runners show) is the whole report: the bug in plain words, Miri's text, the call's stack, where the
    /// address lies in the mapping involved and where that mapping was created and destroyed.
    /// </summary>
    public sealed class UndefinedBehaviorException : Exception
    {
        private readonly StackTrace? _site;
        private readonly int _threadId = Environment.CurrentManagedThreadId;
        private readonly string? _threadName = System.Threading.Thread.CurrentThread.Name;
        private FinishedReport? _report;

        internal UndefinedBehaviorException(UndefinedBehaviorKind kind, string message, string operation, ulong address, MappingInfo? mapping, StackTrace? site)
            : base(message)
        {
            Kind = kind;
            Operation = operation;
            Address = (nint)address;
            Mapping = mapping;
            _site = site;
            _report = Build();
            _report.Mapping?.NoteCarriedBy(_report, nameof(UndefinedBehaviorException));
            ReportSink.Record(_report);
        }

        /// <summary>What went wrong.</summary>
        public UndefinedBehaviorKind Kind { get; }

        /// <summary>The call, e.g. "munmap(0x7f3a00001000, 1)".</summary>
        public string Operation { get; }

        /// <summary>The address passed in.</summary>
        public nint Address { get; }

        /// <summary>The mapping involved (live or freed), or null when the address belongs to none.</summary>
        public MappingInfo? Mapping { get; }

        /// <summary>Miri's text ("incorrect layout on deallocation: …").</summary>
        public string MiriMessage => base.Message;

        /// <summary>The whole report (<see cref="Report"/>).</summary>
        public override string Message => Report;

        /// <summary>
        /// The report: "==CheckedMmap== ERROR: partial munmap: 4096 of the 8192 bytes of alloc1 on thread 1", Miri's
        /// "Undefined Behavior: …" text, the call and its stack, where the address lies, "allocN was created by … here:"
        /// and "allocN was destroyed by … here:" with their stacks, Miri's help line and a SUMMARY line.
        /// </summary>
        public string Report => _report!.Text;

        private FinishedReport Build()
        {
            (string kind, string words) = Describe();
            var b = new ReportBuilder(ReportCategory.UndefinedBehavior, kind, words, ReportBuilder.Thread(_threadId, _threadName));
            b.Line(MmapMessages.UndefinedBehaviorHeader + MiriMessage);
            b.Line("    in " + Operation + ":");
            b.Stack(StackRendering.Render(_site));
            ulong address = (ulong)Address;
            if (Mapping != null)
            {
                b.Location(address, Mapping).History(Mapping);
            }
            else
            {
                b.About(address, null).Line(MmapMessages.Hex(address) + " is not inside any live or quarantined CheckedMmap mapping.");
            }

            b.Help(MmapMessages.UndefinedBehaviorHelp);
            return b.Finish();
        }

        // The bug in plain words, before Miri's text.
        private (string Kind, string Words) Describe()
        {
            int open = Operation.IndexOf('(');
            string fn = open > 0 ? Operation.Substring(0, open) : "call";
            ulong given = SecondArgument(Operation);
            MappingInfo? m = Mapping;
            string name = m?.Name ?? string.Empty;
            string hex = MmapMessages.Hex((ulong)Address);
            switch (Kind)
            {
                case UndefinedBehaviorKind.NullPointer:
                    return (fn + " of a null pointer", string.Empty);
                case UndefinedBehaviorKind.DanglingNoProvenance:
                    return ("wild " + fn, hex + " was never returned by CheckedMmap's mmap or mremap");
                case UndefinedBehaviorKind.NotAtBeginning:
                    return (fn + " of an interior pointer", m == null ? hex
                        : hex + " is " + ReportBuilder.ByteCount((ulong)Address - m.Start) + " into the " + ReportBuilder.Bytes(m.SizeBytes) + "-byte " + name);
                case UndefinedBehaviorKind.Freed:
                    if (m?.DestroyedBy == "mremap")
                    {
                        return (fn + " after mremap moved the mapping", name + " was moved by mremap");
                    }

                    return (fn == "munmap" ? "double munmap" : fn + " after munmap", name + " was already unmapped");
                case UndefinedBehaviorKind.IncorrectLayout when m != null && fn == "munmap" && m.CreatedBy == "mremap" && given >= m.SizeBytes:
                    // mremap keeps its new size unrounded (as Miri does); munmap rounds its length up to whole pages.
                    return ("munmap of a mapping mremap left at a size that is no whole number of pages",
                        name + " is " + ReportBuilder.Bytes(m.SizeBytes) + " bytes, as mremap made it; munmap rounds its " + ReportBuilder.Bytes(given)
                        + " bytes up to whole pages, so no length frees it (mremap it to a multiple of the page size first)");
                case UndefinedBehaviorKind.IncorrectLayout when m != null && fn == "munmap":
                    return given < m.SizeBytes
                        ? ("partial munmap", ReportBuilder.Bytes(given) + " of the " + ReportBuilder.Bytes(m.SizeBytes) + " bytes of " + name)
                        : ("oversized munmap", ReportBuilder.Bytes(given) + " bytes for the " + ReportBuilder.Bytes(m.SizeBytes) + "-byte " + name);
                case UndefinedBehaviorKind.IncorrectLayout when m != null:
                    return (fn + " with the wrong old size", ReportBuilder.Bytes(given) + " given for the " + ReportBuilder.Bytes(m.SizeBytes) + "-byte " + name);
                case UndefinedBehaviorKind.OutOfBounds when m == null:
                    return (fn + " of unmapped memory", hex + " is not in any CheckedMmap mapping");
                case UndefinedBehaviorKind.OutOfBounds when m!.State != MappingState.Live:
                    return (fn + " after munmap", name + " was already unmapped");
                case UndefinedBehaviorKind.OutOfBounds:
                    return (fn + " past the end of a mapping", "the range runs past the end of the " + ReportBuilder.Bytes(m!.SizeBytes) + "-byte " + name);
                default:
                    return ("Undefined Behavior in " + fn, string.Empty);
            }
        }

        // The length (munmap) or old size (mremap): the call's second argument, as the caller passed it.
        private static ulong SecondArgument(string operation)
        {
            int open = operation.IndexOf('(');
            string[] args = open < 0 ? Array.Empty<string>() : operation.Substring(open + 1).TrimEnd(')').Split(',');
            return args.Length > 1 && ulong.TryParse(args[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;
        }
    }

    /// <summary>Thrown when mappings are still live at a leak check; its message is the leak report.</summary>
    public sealed class MmapLeakException : Exception
    {
        internal MmapLeakException(IReadOnlyList<MappingInfo> leaked, string report)
            : base(report)
        {
            Leaked = leaked;
            Report = report;
        }

        /// <summary>The mappings still live, oldest first.</summary>
        public IReadOnlyList<MappingInfo> Leaked { get; }

        /// <summary>The leak report: each mapping with its creation stack, or, for a mapping an Undefined Behavior or fault
        /// exception of the checked scope's flow was about, a line naming that exception, whose report shows the stack.</summary>
        public string Report { get; }
    }

    /// <summary>An invalid CheckedMmap setting (environment variable or option), or a change refused while mappings are live.</summary>
    public sealed class CheckedMmapConfigurationException : InvalidOperationException
    {
        /// <summary>Creates the exception.</summary>
        public CheckedMmapConfigurationException(string message)
            : base(message)
        {
        }

        /// <summary>Creates the exception with an inner exception.</summary>
        public CheckedMmapConfigurationException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}

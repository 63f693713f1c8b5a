// One report shape for every finding (Undefined Behavior, unsupported calls, leaks, faults), after AddressSanitizer's:
//   ==CheckedMmap== ERROR: <kind>: <the bug in plain words> on thread N
//   <Miri's text>
//   <the call or access stack>
//   <where the address lies: "0x… is located 16 bytes after the 4096-byte mapping alloc1 [a, b)">
//   allocN was created by mmap on thread N here: <stack>
//   allocN was destroyed by munmap on thread N here: <stack>
//   help: …
//   SUMMARY: CheckedMmap: <kind> in <first frame>
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;

namespace CheckedMmap.Reports
{
    /// <summary>What a report is about; also its "category" in the JSON-lines file.</summary>
    internal enum ReportCategory
    {
        UndefinedBehavior,
        Unsupported,
        Leak,
        Fault,
    }

    /// <summary>A finished report: its text and the facts the JSON-lines file records.</summary>
    internal sealed class FinishedReport
    {
        public FinishedReport(ReportCategory category, string kind, string headline, string text, string summary, ulong? address, MappingInfo? mapping, bool endsProcess, IReadOnlyList<string> tests)
        {
            Category = category;
            Kind = kind;
            Headline = headline;
            Text = text;
            Summary = summary;
            Address = address;
            Mapping = mapping;
            EndsProcess = endsProcess;
            Tests = tests;
        }

        public ReportCategory Category { get; }

        /// <summary>Short kind: "partial munmap", "use after munmap", "leak".</summary>
        public string Kind { get; }

        /// <summary>The plain-words first line, without the "==CheckedMmap== ERROR: " prefix.</summary>
        public string Headline { get; }

        public string Text { get; }

        /// <summary>The SUMMARY line's text after "SUMMARY: CheckedMmap: ".</summary>
        public string Summary { get; }

        public ulong? Address { get; }

        public MappingInfo? Mapping { get; }

        /// <summary>True when the process ends after this report (a fault the runtime cannot turn into an exception, a leak at exit).</summary>
        public bool EndsProcess { get; }

        /// <summary>The test methods on the report's stacks: its call or access stack first, then the creation and
        /// destruction stacks of the mappings it describes.</summary>
        public IReadOnlyList<string> Tests { get; }
    }

    /// <summary>Builds one report in the common shape. Each section is optional; the order is fixed by the calls.</summary>
    internal sealed class ReportBuilder
    {
        public const string Prefix = "==CheckedMmap== ";

        private readonly StringBuilder _text = new StringBuilder();
        private readonly ReportCategory _category;
        private readonly string _kind;
        private readonly string _headline;
        private ulong? _address;
        private MappingInfo? _mapping;
        private string? _where;
        private readonly List<string> _tests = new List<string>();

        /// <param name="category">What kind of finding.</param>
        /// <param name="kind">The short kind ("partial munmap").</param>
        /// <param name="plainWords">The bug in plain words ("65536 of the 1048576 bytes of alloc2").</param>
        /// <param name="thread">"thread 1" or null.</param>
        public ReportBuilder(ReportCategory category, string kind, string plainWords, string? thread)
        {
            _category = category;
            _kind = kind;
            _headline = plainWords.Length == 0 ? kind : kind + ": " + plainWords;
            _text.Append(Prefix).Append("ERROR: ").Append(_headline);
            if (thread != null)
            {
                _text.Append(" on ").Append(thread);
            }

            _text.AppendLine();
        }

        /// <summary>A line as it is (Miri's text, the call).</summary>
        public ReportBuilder Line(string line)
        {
            _text.AppendLine(line);
            return this;
        }

        /// <summary>A rendered stack; its first frame becomes the SUMMARY's "in …" unless one was set already.</summary>
        public ReportBuilder Stack(RenderedStack stack)
        {
            _text.Append(stack.Text);
            _where ??= stack.FirstFrame;
            AddTests(stack.Tests);
            return this;
        }

        /// <summary>"0x… is located N bytes after the S-byte mapping allocN [a, b)" and the mapping's state.</summary>
        public ReportBuilder Location(ulong address, MappingInfo mapping)
        {
            _address = address;
            _mapping = mapping;
            _text.AppendLine(MappingDescription.Locate(address, mapping));
            return this;
        }

        /// <summary>Records the address (and mapping) without a location line.</summary>
        public ReportBuilder About(ulong address, MappingInfo? mapping)
        {
            _address = address;
            _mapping ??= mapping;
            return this;
        }

        /// <summary>"allocN was created by mmap on thread N here:" and its stack; the same for the destruction once destroyed.</summary>
        public ReportBuilder History(MappingInfo mapping)
        {
            _mapping ??= mapping;
            MappingDescription.AppendHistory(_text, mapping);
            AddTests(TestMethods.On(mapping.CreationStackTrace));
            AddTests(TestMethods.On(mapping.DestructionStackTrace));
            return this;
        }

        /// <summary>A line about a mapping whose history another report shows (its tests are still recorded).</summary>
        public ReportBuilder InsteadOfHistory(MappingInfo mapping, string line)
        {
            _mapping ??= mapping;
            _text.AppendLine(line);
            AddTests(TestMethods.On(mapping.CreationStackTrace));
            return this;
        }

        private void AddTests(IReadOnlyList<string> tests)
        {
            foreach (string test in tests)
            {
                if (!_tests.Contains(test))
                {
                    _tests.Add(test);
                }
            }
        }

        public ReportBuilder Help(string help)
        {
            _text.Append("help: ").AppendLine(help);
            return this;
        }

        /// <summary>Adds the SUMMARY line and returns the report; <paramref name="endsProcess"/> marks reports the process does not survive.</summary>
        public FinishedReport Finish(bool endsProcess = false, string? summary = null)
        {
            string s = summary ?? (_where == null ? _headline : _headline + " in " + _where);
            _text.Append("SUMMARY: ").Append(MmapMessages.Tool).Append(": ").AppendLine(s);
            return new FinishedReport(_category, _kind, _headline, _text.ToString(), s, _address, _mapping, endsProcess, _tests.ToArray());
        }

        internal static string Thread(int managedId, string? name) =>
            "thread " + managedId.ToString(CultureInfo.InvariantCulture) + (name == null ? string.Empty : " \"" + name + "\"");

        internal static string Bytes(ulong n) => n.ToString(CultureInfo.InvariantCulture);

        /// <summary>"1 byte", "16 bytes".</summary>
        internal static string ByteCount(ulong n) => Bytes(n) + (n == 1 ? " byte" : " bytes");
    }

    /// <summary>How a stack was rendered: the text, the first frame shown (for the SUMMARY line).</summary>
    internal readonly struct RenderedStack
    {
        private readonly IReadOnlyList<string>? _tests;

        public RenderedStack(string text, string? firstFrame, IReadOnlyList<string>? tests = null)
        {
            Text = text;
            FirstFrame = firstFrame;
            _tests = tests;
        }

        public string Text { get; }

        public string? FirstFrame { get; }

        /// <summary>The test methods among the frames shown, innermost first ("Namespace.Type.Method").</summary>
        public IReadOnlyList<string> Tests => _tests ?? Array.Empty<string>();

        public static RenderedStack Lines(string text) => new RenderedStack(text, null);
    }

    /// <summary>The one description of a mapping used by every report: where an address lies, and its history.</summary>
    internal static class MappingDescription
    {
        /// <summary>"0x7f…1010 is located 16 bytes after the 4096-byte mapping alloc1 [0x7f…0000, 0x7f…1000), unmapped by munmap".</summary>
        public static string Locate(ulong address, MappingInfo m)
        {
            ulong end = m.Start + m.SizeBytes;
            string where;
            if (address < m.Start)
            {
                where = ReportBuilder.ByteCount(m.Start - address) + " before";
            }
            else if (address >= end)
            {
                where = ReportBuilder.ByteCount(address - end) + " after";
            }
            else
            {
                where = ReportBuilder.ByteCount(address - m.Start) + " inside";
            }

            return MmapMessages.Hex(address) + " is located " + where + " the " + Shape(m) + ", " + State(m);
        }

        /// <summary>"4096-byte mapping alloc1 [0x…, 0x…)".</summary>
        public static string Shape(MappingInfo m) =>
            ReportBuilder.Bytes(m.SizeBytes) + "-byte mapping " + m.Name + " [" + MmapMessages.Hex(m.Start) + ", " + MmapMessages.Hex(m.Start + m.SizeBytes) + ")";

        /// <summary>"live", "unmapped by munmap (quarantined)", "moved by mremap (released)".</summary>
        public static string State(MappingInfo m)
        {
            if (m.State == MappingState.Live)
            {
                return "live";
            }

            string verb = m.DestroyedBy == "mremap" ? "moved by mremap" : "unmapped by " + m.DestroyedBy;
            return verb + (m.State == MappingState.Quarantined ? " (quarantined)" : " (released)");
        }

        public static void AppendHistory(StringBuilder sb, MappingInfo m)
        {
            sb.Append(m.Name).Append(" was created by ").Append(m.CreatedBy).Append(" on ")
              .Append(ReportBuilder.Thread(m.CreatedThreadId, m.CreatedThreadName)).AppendLine(" here:");
            sb.Append(m.CreationStack);
            if (m.State != MappingState.Live)
            {
                sb.Append(m.Name).Append(" was destroyed by ").Append(m.DestroyedBy).Append(" on ")
                  .Append(ReportBuilder.Thread(m.DestroyedThreadId, m.DestroyedThreadName)).AppendLine(" here:");
                sb.Append(m.DestructionStack);
            }
        }
    }
}

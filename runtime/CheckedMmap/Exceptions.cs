using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using CheckedMmap.Contract;

namespace CheckedMmap
{
    /// <summary>
    /// A call Miri reports as "unsupported operation" (file-backed, MAP_FIXED, protections other than RW, other flags,
    /// a non-zero offset, MREMAP_FIXED/DONTUNMAP, other madvise advice). The message is Miri's text with
    /// "CheckedMmap" in place of "Miri".
    /// </summary>
    public class UnsupportedMmapException : NotSupportedException
    {
        /// <summary>Creates the exception with Miri's text.</summary>
        public UnsupportedMmapException(string message)
            : base(message)
        {
            Operation = string.Empty;
        }

        /// <summary>Creates the exception with Miri's text and the function that raised it.</summary>
        public UnsupportedMmapException(string message, string operation)
            : base(message)
        {
            Operation = operation;
        }

        /// <summary>Creates the exception with Miri's text and an inner exception.</summary>
        public UnsupportedMmapException(string message, Exception innerException)
            : base(message, innerException)
        {
            Operation = string.Empty;
        }

        /// <summary>The function and arguments, e.g. "mmap(0x0, 4096, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)".</summary>
        public string Operation { get; }

        /// <summary>"unsupported operation: …" plus Miri's help line.</summary>
        public string Report =>
            "==CheckedMmap== " + MmapMessages.UnsupportedHeader + Message + Environment.NewLine +
            (Operation.Length == 0 ? string.Empty : "    in " + Operation + Environment.NewLine) +
            "help: " + MmapMessages.UnsupportedHelp + Environment.NewLine;

        /// <summary>The usual "type: message" and throw stack, then <see cref="Report"/>.</summary>
        /// <returns>The exception text with the report.</returns>
        public override string ToString() => base.ToString() + Environment.NewLine + Report;
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
    /// A call Miri reports as Undefined Behavior. <see cref="Exception.Message"/> is Miri's exact text; <see cref="Report"/>
    /// (and <see cref="ToString"/>) add where the call was made and where the mapping involved was created and destroyed.
    /// </summary>
    public sealed class UndefinedBehaviorException : Exception
    {
        private readonly StackTrace? _site;
        private readonly int _threadId = Environment.CurrentManagedThreadId;
        private readonly string? _threadName = System.Threading.Thread.CurrentThread.Name;
        private string? _report;

        internal UndefinedBehaviorException(UndefinedBehaviorKind kind, string message, string operation, ulong address, MappingInfo? mapping, StackTrace? site)
            : base(message)
        {
            Kind = kind;
            Operation = operation;
            Address = (nint)address;
            Mapping = mapping;
            _site = site;
        }

        /// <summary>What went wrong.</summary>
        public UndefinedBehaviorKind Kind { get; }

        /// <summary>The call, e.g. "munmap(0x7f3a00001000, 1)".</summary>
        public string Operation { get; }

        /// <summary>The address passed in.</summary>
        public nint Address { get; }

        /// <summary>The mapping involved (live or freed), or null when the address belongs to none.</summary>
        public MappingInfo? Mapping { get; }

        /// <summary>
        /// The full report: header, the offending call and its stack, then "allocN was created here:" and
        /// "allocN was destroyed here:" with their stacks, then Miri's help line.
        /// </summary>
        public string Report => _report ??= BuildReport();

        /// <summary>The usual "type: message" and throw stack, then <see cref="Report"/>.</summary>
        /// <returns>The exception text with the report.</returns>
        public override string ToString() => base.ToString() + Environment.NewLine + Report;

        private string BuildReport()
        {
            var sb = new StringBuilder();
            sb.Append("==CheckedMmap== ERROR: ").Append(MmapMessages.UndefinedBehaviorHeader).AppendLine(Message);
            sb.Append("    in ").Append(Operation).Append(" on ")
              .Append(MappingInfo.ThreadText(_threadId, _threadName)).AppendLine(":");
            if (_site != null)
            {
                sb.Append(StackRendering.Render(_site));
            }

            if (Mapping != null)
            {
                Mapping.AppendHistory(sb);
            }
            else
            {
                sb.Append(MmapMessages.Hex((ulong)Address)).AppendLine(" is not inside any live or quarantined CheckedMmap mapping.");
            }

            sb.Append("help: ").AppendLine(MmapMessages.UndefinedBehaviorHelp);
            return sb.ToString();
        }
    }

    /// <summary>Thrown by <see cref="MmapTracker.AssertNoLeaks()"/> when mappings are still live.</summary>
    public sealed class MmapLeakException : Exception
    {
        internal MmapLeakException(IReadOnlyList<MappingInfo> leaked, string report)
            : base(string.Format(CultureInfo.InvariantCulture, "{0} CheckedMmap mapping(s) still mapped:{1}{2}", leaked.Count, Environment.NewLine, report))
        {
            Leaked = leaked;
            Report = report;
        }

        /// <summary>The mappings still live, oldest first.</summary>
        public IReadOnlyList<MappingInfo> Leaked { get; }

        /// <summary>The leak report with each mapping's creation stack.</summary>
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

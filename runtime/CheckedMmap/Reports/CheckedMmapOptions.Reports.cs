using CheckedMmap.Registry;

namespace CheckedMmap
{
    /// <content>The report settings.</content>
    public static partial class CheckedMmapOptions
    {
        /// <summary>
        /// CHECKEDMMAP_REPORT_FILE: a file to which every report (Undefined Behavior, unsupported call, leak, fault) is
        /// appended as one JSON object per line, for CI to keep. Unset: no file.
        /// </summary>
        public const string ReportFileVariable = RuntimeConfiguration.ReportFileVariable;

        /// <summary>
        /// The JSON-lines report file (default: the CHECKEDMMAP_REPORT_FILE variable, read at first use; null for none;
        /// a blank value means none). Each line is one report: <c>time</c>, <c>pid</c>, <c>category</c>
        /// (undefined-behavior | unsupported | leak | fault), <c>kind</c>, <c>headline</c>, <c>summary</c>,
        /// <c>endsProcess</c>, <c>address</c>, <c>mapping</c> (<c>name</c>, <c>start</c>, <c>size</c>, <c>state</c>,
        /// <c>createdBy</c>, <c>destroyedBy</c>) and the full <c>report</c> text. Lines are appended; the file is created
        /// when the first report is written.
        /// </summary>
        /// <exception cref="CheckedMmapConfigurationException">An environment variable read at first use is invalid.</exception>
        public static string? ReportFile
        {
            get
            {
                RuntimeConfiguration.EnsureLoaded();
                return MmapRuntime.ReportFile;
            }

            set
            {
                RuntimeConfiguration.EnsureLoaded();
                MmapRuntime.ReportFile = string.IsNullOrWhiteSpace(value) ? null : value;
            }
        }
    }
}

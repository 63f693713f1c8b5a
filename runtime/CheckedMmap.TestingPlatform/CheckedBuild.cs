// The package's MSBuild targets write the test application's CheckedMmap settings into its assembly metadata: the
// extension is referenced by every build of a test application (a reference that came and went with -p:CheckedMmap
// would leave a stale deps.json behind), and reads there whether this build is a checked one.
using System;
using System.Reflection;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>The CheckedMmap settings the build wrote into the test application's assembly metadata.</summary>
    internal sealed class CheckedBuild
    {
        internal const string CheckedKey = "CheckedMmap.Checked";
        internal const string ReportFileKey = "CheckedMmap.ReportFile";
        internal const string LeakCheckAtExitKey = "CheckedMmap.LeakCheckAtExit";

        private CheckedBuild(bool isChecked, string? reportFile, bool leakCheckAtExit)
        {
            IsChecked = isChecked;
            ReportFile = reportFile;
            LeakCheckAtExit = leakCheckAtExit;
        }

        /// <summary>Whether the application was built with -p:CheckedMmap=true.</summary>
        public bool IsChecked { get; }

        /// <summary>The report file (CHECKEDMMAP_REPORT_FILE) the build chose, or null.</summary>
        public string? ReportFile { get; }

        /// <summary>Whether the build asked for the leak check at exit (CheckedMmapLeakCheckAtExit).</summary>
        public bool LeakCheckAtExit { get; }

        public static CheckedBuild OfEntryAssembly() => Of(Assembly.GetEntryAssembly());

        internal static CheckedBuild Of(Assembly? assembly)
        {
            string? isChecked = null, reportFile = null, leakCheck = null;
            foreach (AssemblyMetadataAttribute metadata in assembly?.GetCustomAttributes<AssemblyMetadataAttribute>() ?? Array.Empty<AssemblyMetadataAttribute>())
            {
                switch (metadata.Key)
                {
                    case CheckedKey:
                        isChecked = metadata.Value;
                        break;
                    case ReportFileKey:
                        reportFile = metadata.Value;
                        break;
                    case LeakCheckAtExitKey:
                        leakCheck = metadata.Value;
                        break;
                }
            }

            return new CheckedBuild(IsTrue(isChecked), string.IsNullOrEmpty(reportFile) ? null : reportFile, IsTrue(leakCheck));
        }

        private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    }
}

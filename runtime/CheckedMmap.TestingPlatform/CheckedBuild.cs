// The package's MSBuild targets write the test application's CheckedMmap settings into its runtimeconfig.json
// (RuntimeHostConfigurationOption items): the extension is referenced by every build of a test application (a reference
// that came and went with -p:CheckedMmap would leave a stale deps.json behind), and reads there whether this build is a
// checked one. The test host controller and the test host are the same application, so both read the same settings.
using System;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>The CheckedMmap settings the build wrote into the test application's runtime configuration.</summary>
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

        /// <summary>The report file (CHECKEDMMAP_REPORT_FILE) the build chose, as a full path, or null.</summary>
        public string? ReportFile { get; }

        /// <summary>Whether the build asked for the leak check at exit (CheckedMmapLeakCheckAtExit).</summary>
        public bool LeakCheckAtExit { get; }

        public static CheckedBuild OfApplication() =>
            new CheckedBuild(IsTrue(Setting(CheckedKey)), Setting(ReportFileKey) is { Length: > 0 } file ? file : null, IsTrue(Setting(LeakCheckAtExitKey)));

        private static string? Setting(string key) => AppContext.GetData(key)?.ToString();

        private static bool IsTrue(string? value) => string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    }
}

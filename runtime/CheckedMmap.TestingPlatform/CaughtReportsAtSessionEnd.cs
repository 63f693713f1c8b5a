// A report whose exception the code under test caught (a catch-all around a double munmap) leaves its test passing, and
// no test result shows it. When the last test has finished, the reports of this test host that must fail their test
// and whose tests did not fail are published as one failed test node, as the leak check at the end of the run is:
// the run fails and its output holds them.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CheckedMmap.Registry;
using CheckedMmap.Testing;
using Microsoft.Testing.Platform.Messages;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Fails the run on the reports the code under test caught.</summary>
    internal sealed class CaughtReportsAtSessionEnd : SessionEndCheck
    {
        internal const string CaughtReportsNodeUid = "CheckedMmap.CaughtReports";

        private readonly TestNames _failed;

        public CaughtReportsAtSessionEnd(IMessageBus messageBus, TestNames failed)
            : base(messageBus) => _failed = failed;

        public override string Description => "Fails the run on CheckedMmap reports whose exceptions the code under test caught.";

        protected override string NodeUid => CaughtReportsNodeUid;

        protected override string NodeDisplayName => "CheckedMmap: reports the code under test caught";

        protected override string? Run()
        {
            if (MmapRuntime.ReportFile is not { } file)
            {
                return null;
            }

            List<ReportFileRecord> caught;
            try
            {
                caught = ReportFileRecords.Read(file).FindAll(r => r.MustFailItsTest && !_failed.Show(r));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"CheckedMmap: the reports of this test run could not be read from {file}: {e.Message}");
                return null;
            }

            if (caught.Count == 0)
            {
                return null;
            }

            var text = new StringBuilder(caught.Count == 1
                ? "1 report whose exception the code under test caught, so that no failed test shows it"
                : $"{caught.Count} reports whose exceptions the code under test caught, so that no failed test shows them");
            text.Append($" (also in {file}; a test that provokes a report on purpose wraps it in MmapTracker.ExpectReports()):");
            foreach (ReportFileRecord report in caught)
            {
                text.Append(Environment.NewLine).Append(report.Text.TrimEnd());
            }

            return text.ToString();
        }
    }
}

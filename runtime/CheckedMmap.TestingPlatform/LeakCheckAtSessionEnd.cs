// The leak check of process exit (CHECKEDMMAP_LEAK_CHECK_AT_EXIT), run when the last test has finished. Its report is
// also published as a failed test node, so that the run fails with the report where test results are shown: on some
// releases of the platform a test host's exit code alone does not fail the run.
using System;
using Microsoft.Testing.Platform.Messages;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Runs the leak check at the end of the test session and fails the run when it reports.</summary>
    internal sealed class LeakCheckAtSessionEnd : SessionEndCheck
    {
        internal const string LeakCheckNodeUid = "CheckedMmap.LeakCheckAtEndOfTestRun";

        public LeakCheckAtSessionEnd(IMessageBus messageBus)
            : base(messageBus)
        {
        }

        public override string Description => "Runs CheckedMmap's leak check when the last test has finished.";

        protected override string NodeUid => LeakCheckNodeUid;

        protected override string NodeDisplayName => "CheckedMmap: leak check at the end of the test run";

        protected override string? Run()
        {
            try
            {
                return MmapTracker.RunExitLeakCheckNowWithReport();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The check then runs at process exit, as without this extension.
                Console.Error.WriteLine("CheckedMmap: the leak check at the end of the test run failed: " + e.Message);
                return null;
            }
        }
    }
}

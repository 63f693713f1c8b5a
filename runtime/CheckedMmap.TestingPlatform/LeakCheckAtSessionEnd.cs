// The leak check of process exit (CHECKEDMMAP_LEAK_CHECK_AT_EXIT), run when the last test has finished. Its report is
// also published as a failed test node, so that the run fails with the report where test results are shown: on some
// releases of the platform a test host's exit code alone does not fail the run.
using System;
using System.Threading.Tasks;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.TestHost;
using Microsoft.Testing.Platform.Messages;
using Microsoft.Testing.Platform.Services;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Runs the leak check at the end of the test session and fails the run when it reports.</summary>
    internal sealed class LeakCheckAtSessionEnd : ExtensionIdentity, ITestSessionLifetimeHandler, IDataProducer
    {
        internal const string LeakCheckNodeUid = "CheckedMmap.LeakCheckAtEndOfTestRun";

        private readonly IMessageBus _messageBus;

        public LeakCheckAtSessionEnd(IMessageBus messageBus) => _messageBus = messageBus;

        public override string Description => "Runs CheckedMmap's leak check when the last test has finished.";

        public Type[] DataTypesProduced { get; } = { typeof(TestNodeUpdateMessage) };

        public Task OnTestSessionStartingAsync(ITestSessionContext testSessionContext) => Task.CompletedTask;

        public Task OnTestSessionFinishingAsync(ITestSessionContext testSessionContext)
        {
            string? report;
            try
            {
                report = MmapTracker.RunExitLeakCheckNowWithReport();
                if (report is null)
                {
                    return Task.CompletedTask;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The check then runs at process exit, as without this extension.
                Console.Error.WriteLine("CheckedMmap: the leak check at the end of the test run failed: " + e.Message);
                return Task.CompletedTask;
            }

            var node = new TestNode
            {
                Uid = new TestNodeUid(LeakCheckNodeUid),
                DisplayName = "CheckedMmap: leak check at the end of the test run",
                Properties = new PropertyBag(new FailedTestNodeStateProperty(report)),
            };
            return _messageBus.PublishAsync(this, new TestNodeUpdateMessage(testSessionContext.SessionUid, node));
        }
    }
}

using System;
using System.Threading.Tasks;
using Microsoft.Testing.Platform.Extensions.Messages;
using Microsoft.Testing.Platform.Extensions.TestHost;
using Microsoft.Testing.Platform.Messages;
using Microsoft.Testing.Platform.Services;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>
    /// A check run when the last test has finished, whose finding fails the run as a test node of its own: the run fails,
    /// and its output shows the finding where test results are shown.
    /// </summary>
    internal abstract class SessionEndCheck : ExtensionIdentity, ITestSessionLifetimeHandler, IDataProducer
    {
        private readonly IMessageBus _messageBus;

        protected SessionEndCheck(IMessageBus messageBus) => _messageBus = messageBus;

        public Type[] DataTypesProduced { get; } = { typeof(TestNodeUpdateMessage) };

        /// <summary>The node's identity, as the run's results list it.</summary>
        protected abstract string NodeUid { get; }

        /// <summary>The node's name, as the run's output shows it.</summary>
        protected abstract string NodeDisplayName { get; }

        public Task OnTestSessionStartingAsync(ITestSessionContext testSessionContext) => Task.CompletedTask;

        public Task OnTestSessionFinishingAsync(ITestSessionContext testSessionContext)
        {
            if (Run() is not { } failure)
            {
                return Task.CompletedTask;
            }

            var node = new TestNode
            {
                Uid = new TestNodeUid(NodeUid),
                DisplayName = NodeDisplayName,
                Properties = new PropertyBag(new FailedTestNodeStateProperty(failure)),
            };
            return _messageBus.PublishAsync(this, new TestNodeUpdateMessage(testSessionContext.SessionUid, node));
        }

        /// <summary>Runs the check: the text of the failed node, or null when there is nothing to report.</summary>
        protected abstract string? Run();
    }
}

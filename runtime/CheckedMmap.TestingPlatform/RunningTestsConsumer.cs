// A fault that ends the test host names the tests running then (CheckedMmap.Testing.RunningTests): the platform tells
// its data consumers when each test starts (in progress) and ends (any other state but discovered).
using System;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Testing;
using Microsoft.Testing.Platform.Extensions;
using Microsoft.Testing.Platform.Extensions.Messages;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>Tells CheckedMmap which tests are running.</summary>
    internal sealed class RunningTestsConsumer : ExtensionIdentity, IDataConsumer
    {
        private readonly TestNames _failed;

        public RunningTestsConsumer(TestNames failed) => _failed = failed;

        public override string Description => "Names the running tests in CheckedMmap's fault reports, and keeps those that failed.";

        public Type[] DataTypesConsumed { get; } = { typeof(TestNodeUpdateMessage) };

        public Task ConsumeAsync(IDataProducer dataProducer, IData value, CancellationToken cancellationToken)
        {
            if (value is TestNodeUpdateMessage { TestNode: { } node })
            {
                TestNodeStateProperty? state = node.Properties.SingleOrDefault<TestNodeStateProperty>();
                Guid id = IdOf(node.Uid.Value);
                if (state is InProgressTestNodeStateProperty)
                {
                    RunningTests.Started(id, NameOf(node));
                }
                else if (state is not null and not DiscoveredTestNodeStateProperty)
                {
                    RunningTests.Ended(id);
                    if (state is FailedTestNodeStateProperty or ErrorTestNodeStateProperty or TimeoutTestNodeStateProperty)
                    {
                        _failed.Add(NameOf(node));
                    }
                }
            }

            return Task.CompletedTask;
        }

        /// <summary>"Namespace.Type.Method" where the framework gives it, else the display name.</summary>
        private static string NameOf(TestNode node)
        {
            TestMethodIdentifierProperty? method = node.Properties.SingleOrDefault<TestMethodIdentifierProperty>();
            if (method is null)
            {
                return node.DisplayName;
            }

            return string.IsNullOrEmpty(method.Namespace) ? $"{method.TypeName}.{method.MethodName}" : $"{method.Namespace}.{method.TypeName}.{method.MethodName}";
        }

        /// <summary>The same id for every message about one test node.</summary>
        private static Guid IdOf(string uid)
        {
            byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(uid));
            return new Guid(hash.AsSpan(0, 16));
        }
    }
}

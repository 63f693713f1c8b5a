using System.Threading.Tasks;
using Microsoft.Testing.Platform.Extensions;

namespace CheckedMmap.TestingPlatform
{
    /// <summary>What the platform shows of each of CheckedMmap's extensions.</summary>
    internal abstract class ExtensionIdentity : IExtension
    {
        public string Uid => GetType().FullName!;

        public string Version => "1.0.0";

        public string DisplayName => "CheckedMmap";

        public abstract string Description { get; }

        public Task<bool> IsEnabledAsync() => Task.FromResult(true);
    }
}

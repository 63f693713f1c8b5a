// Replaced by the runtime implementation.
namespace CheckedMmap
{
    internal static class AssemblyMarker
    {
    }
}

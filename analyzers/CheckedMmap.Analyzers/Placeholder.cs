// Replaced by the analyzer implementation.
namespace CheckedMmap.Analyzers
{
    internal static class AssemblyMarker
    {
    }
}

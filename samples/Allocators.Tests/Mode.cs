namespace Allocators.Tests
{
    /// <summary>Which binding these tests were compiled against: libc, or CheckedMmap.Mman under -p:CheckedMmap=true.</summary>
    internal static class Mode
    {
#if CHECKED
        public const bool Checked = true;
#else
        public const bool Checked = false;
#endif
    }
}

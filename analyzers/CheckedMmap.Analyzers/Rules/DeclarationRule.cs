using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>
    /// MMAP010: a libc binding declared unlike libc's prototype (a length, address or result narrower than a pointer,
    /// an offset narrower than 64 bits, munmap/mprotect/madvise not returning int), or errno read after a call of a
    /// binding declared without SetLastError = true.
    /// </summary>
    internal static class DeclarationRule
    {
        /// <summary>The diagnostic property naming the type a narrow declaration is widened to by the code fix.</summary>
        public const string WidenToProperty = "WidenTo";

        public const string WidenToNint = "nint";
        public const string WidenToNuint = "nuint";
        public const string WidenToLong = "long";
        public const string WidenToInt = "int";

        private const string Title = "libc binding declared unlike libc, or errno read without SetLastError";
        private const string Description =
            "A P/Invoke declaration must match libc's prototype: on 64-bit, an int length, address or result truncates pointers " +
            "and sizes, an int offset truncates off_t, and a munmap/mprotect/madvise declared as returning a pointer or long reads " +
            "garbage in the upper bits. Marshal.GetLastWin32Error/GetLastPInvokeError return errno only for a P/Invoke declared with " +
            "SetLastError = true.";

        public static readonly DiagnosticDescriptor Type = new DiagnosticDescriptor(
            RuleIds.Declaration,
            Title,
            "{0} declares {1} as {2}, but libc's is {3}: {4}",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Declaration));

        public static readonly DiagnosticDescriptor LastError = new DiagnosticDescriptor(
            RuleIds.Declaration,
            Title,
            "{0} after a call of {1}, which is declared without SetLastError = true: it does not return that call's errno (declare SetLastError = true, or read Marshal.GetLastSystemError())",
            RuleDescriptors.Category,
            DiagnosticSeverity.Warning,
            isEnabledByDefault: true,
            description: Description,
            helpLinkUri: RuleDescriptors.HelpLink(RuleIds.Declaration));
    }
}

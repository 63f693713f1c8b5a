using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Calls and members that give a file descriptor: libc functions that return a new descriptor on success (-1 only
    /// on failure, which a caller that goes on to mmap has checked or will see fail), and .NET's file handles.
    /// </summary>
    internal static class DescriptorSources
    {
        private static readonly HashSet<string> Functions = new HashSet<string>(System.StringComparer.Ordinal)
        {
            "open", "open64", "openat", "openat64", "creat", "creat64", "memfd_create", "shm_open", "socket", "accept",
            "accept4", "io_uring_setup", "eventfd", "timerfd_create", "signalfd", "epoll_create", "epoll_create1",
            "inotify_init", "inotify_init1", "userfaultfd", "perf_event_open", "pidfd_open", "dup", "dup2", "dup3",
        };

        /// <summary>A call of a native libc function (P/Invoke, Mono.Posix, Tmds.LibC) that returns a new file descriptor.</summary>
        public static bool ReturnsDescriptor(IInvocationOperation invocation)
        {
            IMethodSymbol method = invocation.TargetMethod;
            if (!method.IsStatic || !IntegerConversions.IsTrackable(method.ReturnType))
            {
                return false;
            }

            DllImportData? import = method.GetDllImportData();
            if (import is not null)
            {
                return Functions.Contains(import.EntryPointName ?? method.Name);
            }

            // LibraryImport (partial in source) and the known libraries' bindings: the method's own name.
            bool native = method.IsExtern || method.IsPartialDefinition || method.PartialDefinitionPart is not null
                || IsKnownLibrary(method.ContainingType);
            return native && Functions.Contains(method.Name);
        }

        /// <summary><c>File.OpenHandle(...)</c>: a handle that is open when the call returns (it throws otherwise).</summary>
        public static bool OpensHandle(IInvocationOperation invocation) =>
            invocation.TargetMethod is { IsStatic: true, Name: "OpenHandle" } method
            && method.ContainingType?.ToDisplayString() == "System.IO.File";

        /// <summary><c>stream.SafeFileHandle</c>: the handle of an open FileStream.</summary>
        public static bool IsStreamHandle(IPropertyReferenceOperation property) =>
            property.Property is { IsStatic: false, Name: "SafeFileHandle" } symbol
            && InheritsFrom(symbol.ContainingType, "System.IO.FileStream");

        /// <summary><c>handle.DangerousGetHandle()</c>: the descriptor a SafeHandle holds.</summary>
        public static bool IsDangerousGetHandle(IInvocationOperation invocation) =>
            invocation.Instance is not null && invocation.Arguments.Length == 0
            && invocation.TargetMethod.Name == "DangerousGetHandle"
            && IsSafeHandle(invocation.TargetMethod.ContainingType);

        /// <summary>A <c>SafeHandle</c> type (<c>SafeFileHandle</c>, a binding's own handle class).</summary>
        public static bool IsSafeHandle(ITypeSymbol? type) => InheritsFrom(type, "System.Runtime.InteropServices.SafeHandle");

        private static bool IsKnownLibrary(INamedTypeSymbol? type)
        {
            string? name = type?.ToDisplayString();
            return name is "Mono.Unix.Native.Syscall" or "Tmds.Linux.LibC";
        }

        private static bool InheritsFrom(ITypeSymbol? type, string name)
        {
            for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
            {
                if (t.ToDisplayString() == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

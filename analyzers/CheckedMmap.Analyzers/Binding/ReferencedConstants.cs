using System;
using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// Constants that referenced libraries expose as static getters or parameterless static methods
    /// (<c>public static ulong IORING_OFF_SQES =&gt; 0x10000000;</c> in an interop package): the compiler sees no
    /// constant, but the method's IL is "load a number, return it". Read from the IL of the referenced image, once per
    /// method while its module's metadata lives. Only that shape is read (optionally with the debug build's
    /// store-branch-load and nops, and one integer conversion); anything else is unknown.
    /// </summary>
    internal static class ReferencedConstants
    {
        private const int MaxBodyLength = 32;

        private static readonly ConditionalWeakTable<ModuleMetadata, ConcurrentDictionary<int, object>> ByModule =
            new ConditionalWeakTable<ModuleMetadata, ConcurrentDictionary<int, object>>();

        private static readonly object NoValue = new object();

        /// <summary>
        /// The number a parameterless static method of a referenced assembly always returns, before conversion to its
        /// return type; null when it is declared in source, has another body, or its IL cannot be read.
        /// </summary>
        public static long? ValueOf(IMethodSymbol method)
        {
            if (!method.IsStatic || method.Parameters.Length != 0 || method.IsGenericMethod || method.IsExtern || method.IsAbstract
                || method.DeclaringSyntaxReferences.Length != 0 || method.MetadataToken == 0
                || method.ContainingModule is not { } module)
            {
                return null;
            }

            try
            {
                if (module.GetMetadata() is not { } metadata)
                {
                    return null;
                }

                ConcurrentDictionary<int, object> known = ByModule.GetValue(metadata, _ => new ConcurrentDictionary<int, object>());
                object value = known.GetOrCompute(method.MetadataToken, metadata, static (token, m) => Read(m, token) is long v ? v : NoValue);
                return value is long number ? number : null;
            }
            catch (Exception e) when (e is BadImageFormatException || e is ObjectDisposedException || e is InvalidOperationException || e is ArgumentException || e is TargetInvocationException)
            {
                // A malformed image, or metadata the host has already released: the value stays unknown.
                return null;
            }
        }

        private static long? Read(ModuleMetadata metadata, int token)
        {
            if ((token >> 24) != (int)TableIndex.MethodDef || ImageReader.Of(metadata) is not { } image)
            {
                return null;
            }

            MetadataReader reader = metadata.GetMetadataReader();
            MethodDefinition method = reader.GetMethodDefinition(MetadataTokens.MethodDefinitionHandle(token & 0xFFFFFF));
            if (method.RelativeVirtualAddress == 0)
            {
                return null;
            }

            MethodBodyBlock body = image.GetMethodBody(method.RelativeVirtualAddress);
            byte[]? il = body.ExceptionRegions.Length == 0 ? body.GetILBytes() : null;
            return il is { Length: > 0 and <= MaxBodyLength } ? ConstantReturned(il) : null;
        }

        /// <summary>The number an IL body "load constant [convert] [stloc.0 br ldloc.0] ret" returns.</summary>
        internal static long? ConstantReturned(byte[] il)
        {
            int at = SkipNops(il, 0);
            if (at >= il.Length)
            {
                return null;
            }

            long value;
            byte opcode = il[at++];
            switch (opcode)
            {
                case >= 0x15 and <= 0x1E: // ldc.i4.m1 … ldc.i4.8
                    value = opcode - 0x16;
                    break;
                case 0x1F when at + 1 <= il.Length: // ldc.i4.s
                    value = (sbyte)il[at];
                    at += 1;
                    break;
                case 0x20 when at + 4 <= il.Length: // ldc.i4
                    value = BitConverter.ToInt32(il, at);
                    at += 4;
                    break;
                case 0x21 when at + 8 <= il.Length: // ldc.i8
                    value = BitConverter.ToInt64(il, at);
                    at += 8;
                    break;
                default:
                    return null;
            }

            bool wide = opcode == 0x21;
            at = SkipNops(il, at);
            if (at < il.Length)
            {
                switch (il[at])
                {
                    case 0x6A: // conv.i8
                    case 0xD3: // conv.i
                        at++;
                        break;
                    case 0x6E: // conv.u8
                    case 0xE0: // conv.u
                        value = wide ? value : (uint)(int)value;
                        at++;
                        break;
                    case 0x69: // conv.i4
                        value = (int)value;
                        at++;
                        break;
                    case 0x6D: // conv.u4
                        value = (uint)value;
                        at++;
                        break;
                }
            }

            // A debug build stores the result in a local and branches to the shared return: stloc.0; br.s +0; ldloc.0.
            at = SkipNops(il, at);
            if (at + 4 <= il.Length && il[at] == 0x0A && il[at + 1] == 0x2B && il[at + 2] == 0x00 && il[at + 3] == 0x06)
            {
                at += 4;
            }

            at = SkipNops(il, at);
            return at == il.Length - 1 && il[at] == 0x2A ? value : null;
        }

        private static int SkipNops(byte[] il, int at)
        {
            while (at < il.Length && il[at] == 0x00)
            {
                at++;
            }

            return at;
        }

        /// <summary>
        /// The image reader the compiler already holds for a module. Roslyn exposes the metadata block publicly but not the
        /// method bodies beside it; its own reader is reached by reflection, once, and when a compiler version names it
        /// differently no constant is read.
        /// </summary>
        private static class ImageReader
        {
            private static readonly Func<ModuleMetadata, PEReader?>? Reach = Create();

            public static PEReader? Of(ModuleMetadata metadata) => Reach?.Invoke(metadata);

            private static Func<ModuleMetadata, PEReader?>? Create()
            {
                try
                {
                    const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public;
                    PropertyInfo? module = typeof(ModuleMetadata).GetProperty("Module", Instance);
                    PropertyInfo? reader = module?.PropertyType.GetProperty("PEReaderOpt", Instance);
                    if (module is null || reader is null || reader.PropertyType != typeof(PEReader))
                    {
                        return null;
                    }

                    return metadata => module.GetValue(metadata) is { } peModule ? reader.GetValue(peModule) as PEReader : null;
                }
                catch (Exception e) when (e is MemberAccessException || e is AmbiguousMatchException || e is TypeLoadException)
                {
                    return null;
                }
            }
        }
    }
}

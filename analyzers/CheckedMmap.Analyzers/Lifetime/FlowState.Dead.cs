using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Lifetime
{
    /// <summary>
    /// Dropping what no later operation reads: the facts of dead variables (<see cref="DeadVariables"/>), and the
    /// mappings no variable holds any more. A state then grows with the variables live at a point, not with every
    /// variable and mapping of the body.
    /// </summary>
    internal sealed partial class FlowState
    {
        /// <summary>How many remembered mappings (unmapped or unchecked) a state gathers before it looks for unheld ones.</summary>
        private const int FirstUnheldSweep = 64;

        // The count of remembered mappings beyond which the next drop looks for unheld ones: twice what the last look
        // left, so that looking costs a constant per mapping however long the body.
        private int _sweepAt = FirstUnheldSweep;

        /// <summary>Beyond this many holders a dropped variable's mappings wait for the next look at all of them.</summary>
        private const int MaxHoldersSearchedPerDrop = 16;

        /// <summary>
        /// Between two statements, where every value the body still needs is in a variable: forgets the variables that are
        /// dead there (null: none) and, while few variables hold mappings, the mappings only they held; and, once the
        /// remembered mappings have doubled, every mapping no variable holds (an mmap whose result is dropped, thousands
        /// of times in one body, is never held).
        /// </summary>
        public void AfterStatement(List<ISymbol>? dead)
        {
            if (dead is not null)
            {
                Drop(dead);
            }
            else
            {
                DropUnheldMappingsIfDoubled();
            }
        }

        /// <summary>
        /// Forgets the variables (no later operation reads them) and, while few variables hold mappings, the mappings only
        /// they held; with more, the mappings no variable holds once the remembered ones have doubled.
        /// </summary>
        public void Drop(List<ISymbol> dead)
        {
            foreach (ISymbol key in dead)
            {
                if (Holders.TryGetValue(key, out AddressFact? fact))
                {
                    Holders = Holders.Remove(key);
                    LogHolder(key);
                    if (Holders.Count <= MaxHoldersSearchedPerDrop)
                    {
                        ForgetIfUnheld(fact.Origin?.Site);
                        foreach (MappingSite source in fact.Sources)
                        {
                            ForgetIfUnheld(source);
                        }
                    }
                }

                // Not from the bools each unmapped mapping was unmapped under: no later test reads a dead bool.
                Bools = Bools.Remove(key);
                BoolFailures = BoolFailures.Remove(key);
                MunmapResults = MunmapResults.Remove(key);
            }

            DropUnheldMappingsIfDoubled();
        }

        /// <summary>Forgets one mapping of this body when no variable holds it (see <see cref="DropUnheldMappings"/>).</summary>
        private void ForgetIfUnheld(MappingSite? site)
        {
            if (site is null || site.OfField)
            {
                return;
            }

            bool unmapped = Unmapped.ContainsKey(site);
            if (!unmapped && !Unchecked.Contains(site))
            {
                return;
            }

            foreach (KeyValuePair<object, AddressFact> holder in Holders)
            {
                if (holder.Value.Holds(site))
                {
                    return;
                }
            }

            if (unmapped)
            {
                RemoveUnmapped(site);
            }

            Unchecked = Unchecked.Remove(site);
        }

        private void DropUnheldMappingsIfDoubled()
        {
            if (Unmapped.Count + Unchecked.Count > _sweepAt)
            {
                DropUnheldMappings();
            }
        }

        /// <summary>
        /// Forgets the unmapped and unchecked mappings of this body that no variable holds: a munmap or a use reaches a
        /// mapping only through a variable, and the mmap call that creates one anew marks it mapped and unchecked again.
        /// A field's mapping from other members stays (another method may hold it).
        /// </summary>
        private void DropUnheldMappings()
        {
            var held = new HashSet<MappingSite>();
            foreach (KeyValuePair<object, AddressFact> holder in Holders)
            {
                if (holder.Value.Origin?.Site is { } site)
                {
                    held.Add(site);
                }

                foreach (MappingSite source in holder.Value.Sources)
                {
                    held.Add(source);
                }
            }

            List<MappingSite>? unheld = null;
            foreach (MappingSite site in Unmapped.Keys)
            {
                if (!site.OfField && !held.Contains(site))
                {
                    (unheld ??= new List<MappingSite>()).Add(site);
                }
            }

            if (unheld is not null)
            {
                Unmapped = Unmapped.RemoveRange(unheld);
                _unmappedWhen = _unmappedWhen.RemoveRange(unheld);
                foreach (MappingSite site in unheld)
                {
                    LogUnmapped(site);
                }
            }

            ImmutableHashSet<MappingSite> stillUnchecked = Unchecked;
            foreach (MappingSite site in Unchecked)
            {
                if (!site.OfField && !held.Contains(site))
                {
                    stillUnchecked = stillUnchecked.Remove(site);
                }
            }

            Unchecked = stillUnchecked;
            _sweepAt = (2 * (Unmapped.Count + Unchecked.Count)) + FirstUnheldSweep;
        }
    }
}

"""The question bank (题库): knowledge points, question items, and marking practice answers.

Pupils choose items by knowledge point (知识点) or by how far their class has got in the
textbook; both selections are `$in` queries over ids computed here (a knowledge point's
subtree, a textbook's nodes up to a lesson), served by multikey indexes.

**Answer keys are never sent to pupils.** What an item looks like depends on the audience:
`ItemForPupil` has no `answer` and no `explanation` field at all, `ItemWithKey` adds them,
and only `KEY_HOLDER_ROLES` and services whose token carries the `bank.keys` scope (the
tasks service, acting in the district it names) get the second. The audience is part of
every cache key, so an answer cached for a teacher can never be read back for a pupil. A
pupil sees the key of one item only after answering it (`check`), which is what practice
mode promises.

Layers: `domain` (no I/O: marking, trees, reading order), `schemas` (the two audiences'
shapes), `store` (the only MongoDB access, bound to one tenant), `service` (use cases).
"""

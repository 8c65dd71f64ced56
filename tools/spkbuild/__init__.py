"""Builds mailsec's DSM 7 packages (.spk) from the repository, byte for byte reproducibly.

The pieces, each in its own module: `sources` (what goes in: version, build number, time stamp),
`info` (the INFO file), `payload` (the files of package.tgz), `wizard` (the install and uninstall
wizards), `icons` (package icons), `archive` (deterministic tar and gzip) and `package` (the .spk).
`tools/build_spk.py` is the command that runs them.
"""

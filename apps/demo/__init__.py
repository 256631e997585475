"""Demo world for trying the portal: the seed_demo command and its badge art."""

# tflint over every module and environment (make test runs it): the terraform ruleset bundled
# with tflint, recommended preset. Nothing is downloaded: no external plugin is declared.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

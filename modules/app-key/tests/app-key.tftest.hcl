# A key whose loss loses data. Plan only: prevent_destroy (the point of the module) would stop
# the test's own clean-up after an apply.
mock_provider "kubernetes" {}
mock_provider "random" {}

variables {
  namespace   = "n8n"
  secret_name = "n8n-encryption-key"
  env_name    = "N8N_ENCRYPTION_KEY"
}

run "generates_32_random_bytes_when_no_key_is_given" {
  command = plan

  assert {
    condition     = length(random_bytes.key) == 1 && random_bytes.key[0].length == 32
    error_message = "No key given: 32 random bytes, base64 (openssl rand -base64 32)."
  }

  assert {
    condition     = kubernetes_secret_v1.key.metadata[0].labels["platform/protected-key"] == "true" && output.env_name == "N8N_ENCRYPTION_KEY"
    error_message = "One Secret, labelled as a protected key, under the app's variable name."
  }
}

run "keeps_an_existing_key_and_generates_none" {
  command = plan

  variables {
    key = "an-existing-key-from-the-old-host"
  }

  assert {
    condition     = length(random_bytes.key) == 0 && output.sha256 == sha256("an-existing-key-from-the-old-host")
    error_message = "A given key is used as is, and its fingerprint is reported."
  }
}

run "accepts_the_key_whose_fingerprint_is_recorded" {
  command = plan

  variables {
    key        = "an-existing-key-from-the-old-host"
    key_sha256 = "89881450285e73e0860b8d83e0da9e4290e4f1d8e2473867a9df4832544bb8cb"
  }

  assert {
    condition     = kubernetes_secret_v1.key.metadata[0].name == "n8n-encryption-key"
    error_message = "The recorded key passes its own check."
  }
}

run "refuses_a_key_other_than_the_recorded_one" {
  command = plan

  variables {
    key        = "a-new-key-that-would-lose-every-credential"
    key_sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
  }

  expect_failures = [kubernetes_secret_v1.key]
}

run "rejects_a_short_key" {
  command = plan

  variables {
    key = "short"
  }

  expect_failures = [var.key]
}

run "rejects_a_malformed_fingerprint" {
  command = plan

  variables {
    key_sha256 = "not-a-sha"
  }

  expect_failures = [var.key_sha256]
}

run "rejects_an_env_name_that_is_no_variable_name" {
  command = plan

  variables {
    env_name = "n8n-encryption-key"
  }

  expect_failures = [var.env_name]
}

# Hardened Debian 12 GCE image: the debian-12 family of debian-cloud, hardened by
# ecommerce.multicloud.os_hardening and gated by its scan entry point (packer/playbooks/harden.yml),
# built on a Shielded VM without an external IP. Written for the Packer that Debian 12 ships
# (1.6.6, HCL2); see packer/README.md.
#
#   packer build -var env=development -var owner=platform-team -var cost_center=cc-4200 \
#     -var project_id=ecommerce-development-storefront -var network_project_id=ecommerce-development-host \
#     -var subnetwork=<subnet with Cloud NAT> -var account_file=sa.json packer/gce-debian12-hardened.pkr.hcl
#
# Credentials: account_file (a service-account key; Packer 1.6.6 needs one for IAP), else Google
# application default credentials.

packer {
  required_version = ">= 1.6.6"
}

variable "env" {
  type        = string
  description = "Environment the image is built for (label env), as in inventories/<env>: development, staging, production or sandbox."
  validation {
    condition     = contains(["sandbox", "development", "staging", "production"], var.env)
    error_message = "The env variable must be one of sandbox, development, staging, production."
  }
}

variable "project" {
  type        = string
  default     = "ecommerce"
  description = "Label project: the platform name (platform.tag_policy.tags.project)."
}

variable "owner" {
  type        = string
  description = "Label owner: the owning team (platform.tag_policy.tags.owner); lowercase letters, digits, - and _ (GCP label rules)."
  validation {
    condition     = var.owner != "" && regex_replace(var.owner, "[a-z0-9_-]", "") == ""
    error_message = "The owner variable becomes the owner label: lowercase letters, digits, - and _ only."
  }
}

variable "cost_center" {
  type        = string
  description = "Label cost-center (platform.tag_policy.tags.cost-center); lowercase letters, digits, - and _ (GCP label rules)."
  validation {
    condition     = var.cost_center != "" && regex_replace(var.cost_center, "[a-z0-9_-]", "") == ""
    error_message = "The cost_center variable becomes the cost-center label: lowercase letters, digits, - and _ only."
  }
}

variable "project_id" {
  type        = string
  description = "Project the build VM runs in and the image is created in (a service project of the shared VPC)."
}

variable "zone" {
  type        = string
  default     = "us-central1-a"
  description = "Zone of the build VM."
}

variable "machine_type" {
  type        = string
  default     = "e2-small"
  description = "Machine type of the build VM (one that supports Shielded VM)."
}

variable "disk_size" {
  type        = number
  default     = 10
  description = "Size in GB of the boot disk and the image."
}

variable "network_project_id" {
  type        = string
  default     = ""
  description = "Shared VPC host project that owns subnetwork; empty when the network is in project_id."
}

variable "subnetwork" {
  type        = string
  default     = ""
  description = "Subnetwork of the build VM; empty uses the default network. The VM has no external IP, so the subnet needs Cloud NAT (gcp_network creates it) for apt and the scanner content."
}

variable "network_tags" {
  type        = list(string)
  default     = ["ssh"]
  description = "Network tags of the build VM: the platform's firewall allows SSH from IAP's range (35.235.240.0/20) to tag ssh only."
}

variable "use_iap" {
  type        = bool
  default     = true
  description = "Reach the VM through an IAP TCP tunnel (needs gcloud on the controller and account_file, in Packer 1.6.6); false when the controller is inside the VPC and reaches internal IPs."
}

variable "account_file" {
  type        = string
  default     = ""
  description = "Service-account key file for the build; empty uses application default credentials (then use_iap must be false in Packer 1.6.6)."
}

variable "ssh_username" {
  type        = string
  default     = "packer"
  description = "Temporary login the guest agent creates from the build's SSH key in instance metadata."
}

variable "image_family" {
  type        = string
  default     = "ecommerce-debian12-hardened"
  description = "Image family the image joins; instances use the family to get the newest hardened image."
}

variable "kms_key_name" {
  type        = string
  default     = ""
  description = "Cloud KMS key (projects/P/locations/L/keyRings/R/cryptoKeys/K) that encrypts the image (CMEK); empty uses Google-managed encryption. Packer 1.6.6 cannot set a key on the build disk."
}

variable "toolchain_bin" {
  type        = string
  default     = ""
  description = "Directory with ansible-playbook (the collection's .venv/bin when empty)."
}

variable "ansible_config" {
  type        = string
  default     = ""
  description = "ansible.cfg for the provisioner; empty uses the checkout's, whose collections_path (.cache/collections) resolves ecommerce.multicloud to this tree (scripts/bootstrap.sh links it)."
}

variable "output_dir" {
  type        = string
  default     = ""
  description = "Directory on the controller that receives the Packer manifest and, per image, the scan report; empty uses .cache/packer/gce-debian12-hardened in the checkout."
}

locals {
  repo           = abspath("${path.root}/..")
  toolchain_bin  = var.toolchain_bin != "" ? var.toolchain_bin : "${local.repo}/.venv/bin"
  ansible_config = var.ansible_config != "" ? var.ansible_config : "${local.repo}/ansible.cfg"
  output_dir     = var.output_dir != "" ? var.output_dir : "${local.repo}/.cache/packer/gce-debian12-hardened"
  image_name     = "ecommerce-debian12-hardened-${formatdate("YYYYMMDD-hhmmss", timestamp())}"
  report_dir     = "${local.output_dir}/${local.image_name}"
  labels = {
    "env"         = var.env
    "project"     = var.project
    "owner"       = var.owner
    "cost-center" = var.cost_center
    "managed-by"  = "packer"
  }
}

source "googlecompute" "debian12-hardened" {
  project_id   = var.project_id
  zone         = var.zone
  account_file = var.account_file
  machine_type = var.machine_type

  source_image_family     = "debian-12"
  source_image_project_id = ["debian-cloud"]
  disk_size               = var.disk_size
  disk_type               = "pd-balanced"

  image_name        = local.image_name
  image_family      = var.image_family
  image_description = "Debian 12 hardened by ecommerce.multicloud.os_hardening, gated by its Lynis and OpenSCAP scan"
  image_labels      = local.labels
  labels            = local.labels

  dynamic "image_encryption_key" {
    for_each = var.kms_key_name == "" ? [] : [var.kms_key_name]
    content {
      kmsKeyName = image_encryption_key.value
    }
  }

  # Shielded VM: the debian-12 images are UEFI-compatible; the image keeps that feature.
  enable_secure_boot          = true
  enable_vtpm                 = true
  enable_integrity_monitoring = true

  # No external IP: SSH over IAP (or from inside the VPC); egress through Cloud NAT.
  omit_external_ip   = true
  use_internal_ip    = true
  use_iap            = var.use_iap
  network_project_id = var.network_project_id
  subnetwork         = var.subnetwork
  tags               = var.network_tags

  # No service account on the build VM: nothing on it needs Google APIs.
  disable_default_service_account = true
  metadata = {
    "block-project-ssh-keys" = "true"
  }

  ssh_username              = var.ssh_username
  ssh_clear_authorized_keys = true
}

build {
  name    = "gce-debian12-hardened"
  sources = ["source.googlecompute.debian12-hardened"]

  # On the controller: the output directory (the manifest post-processor does not create it).
  provisioner "shell-local" {
    inline = ["mkdir -p '${local.report_dir}'"]
  }

  provisioner "ansible" {
    command       = "${local.toolchain_bin}/ansible-playbook"
    playbook_file = "${path.root}/playbooks/harden.yml"
    user          = var.ssh_username
    use_proxy     = false
    host_alias    = "gce-debian12-hardened"
    extra_arguments = [
      "--extra-vars", jsonencode({ os_hardening_scan_report_dir = local.report_dir }),
    ]
    ansible_env_vars = [
      "ANSIBLE_CONFIG=${local.ansible_config}",
      "ANSIBLE_FORCE_COLOR=0",
    ]
  }

  post-processor "manifest" {
    output     = "${local.output_dir}/manifest.json"
    strip_path = true
    custom_data = {
      scan_report = "${local.report_dir}/gce-debian12-hardened.json"
    }
  }
}

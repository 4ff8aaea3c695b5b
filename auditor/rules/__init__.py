"""The rules: one module per concern, each holding one range of codes (its docstring says which).

| module | codes |
|---|---|
| iam_permissions | I101–I110 |
| iam_ecs_roles | I201–I210 |
| iam_reach | I301–I304 |
| resource_policies | I401–I404 |
| launch_type | L101–L108 |
| load_balancer | B101–B108 |
| efs | F101–F110 |
| container | C101–C110 |
| network | N101–N102 |
| cost | K101–K106 |
"""
